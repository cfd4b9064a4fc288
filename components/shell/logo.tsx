export function Logo() {
  return (
    <span className="inline-flex items-center gap-2 text-lg font-semibold tracking-tight text-zinc-900">
      <svg viewBox="0 0 24 24" className="size-6 text-indigo-600" aria-hidden="true" fill="none">
        <path d="M3 18a9 9 0 0 1 18 0" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
        <path d="M8 18a4 4 0 0 1 8 0" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      Burrow
    </span>
  );
}
