import { LOGO_PATHS } from "@/lib/brand/logo";

export function Logo() {
  return (
    <span className="inline-flex items-center gap-2 text-lg font-semibold tracking-tight text-zinc-900 dark:text-zinc-100">
      <svg
        viewBox="0 0 24 24"
        className="size-6 text-indigo-600 dark:text-indigo-400"
        aria-hidden="true"
        fill="none"
      >
        {LOGO_PATHS.map((d) => (
          <path key={d} d={d} stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
        ))}
      </svg>
      Burrow
    </span>
  );
}
