"use client";

import { cn } from "../ui/cn";
import { LocalTime } from "../ui/local-time";

/**
 * What every live view says in place of its live state once the session has ended: the data stays
 * (it is still the last the user saw) but must not read as current, and when it was last fetched
 * says how old it is. The bottom notice says how to get it updating again.
 */
export function NotUpdating({ asOf, className }: { asOf: string; className?: string }) {
  return (
    <span className={cn("text-amber-700 dark:text-amber-300", className)} data-testid="not-updating">
      Not updating: signed out · as of <LocalTime iso={asOf} />
    </span>
  );
}

/** Dims a live view's data while it is not updating (see NotUpdating): readable, visibly not current. */
export function notLive(ended: boolean): string | undefined {
  return ended ? "opacity-60" : undefined;
}
