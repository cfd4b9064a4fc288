import { cn } from "./cn";

/** Online/offline pill with a dot; fixed width so a live change does not move its neighbours. */
export function StatusBadge({ online }: { online: boolean }) {
  return (
    <span
      className={cn(
        "inline-flex w-20 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        online
          ? "bg-emerald-50 text-emerald-700 ring-emerald-200"
          : "bg-zinc-100 text-zinc-600 ring-zinc-200",
      )}
    >
      <span
        aria-hidden="true"
        className={cn("size-1.5 rounded-full", online ? "bg-emerald-500" : "bg-zinc-400")}
      />
      {online ? "Online" : "Offline"}
    </span>
  );
}
