import { cn } from "./cn";

/** Online/offline pill with a dot; fixed width so a live change does not move its neighbours. */
export function StatusBadge({ online }: { online: boolean }) {
  return (
    <span
      className={cn(
        "inline-flex w-20 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        online
          ? "bg-emerald-50 dark:bg-emerald-950/40 text-emerald-700 dark:text-emerald-300 ring-emerald-200 dark:ring-emerald-800"
          : "bg-zinc-100 dark:bg-zinc-800 text-zinc-600 dark:text-zinc-400 ring-zinc-200 dark:ring-zinc-800",
      )}
    >
      <span
        aria-hidden="true"
        className={cn("size-1.5 rounded-full", online ? "bg-emerald-500" : "bg-zinc-400 dark:bg-zinc-500")}
      />
      {online ? "Online" : "Offline"}
    </span>
  );
}
