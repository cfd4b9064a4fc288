"use client";

import { LIVE_FAILURE_REASON, type LiveFailure } from "@/lib/web/live-failure";
import { useSessionEndedReason } from "../hooks/use-session-ended";
import { cn } from "../ui/cn";
import { LocalTime } from "../ui/local-time";

/**
 * What every live view says in place of its live state once the session has ended, or while its
 * looks fail (`failure`, retried by itself): the data stays (it is still the last the user saw) but
 * must not read as current, and when it was last fetched says how old it is. One wording for every
 * view, so a page with several live parts does not say the same outage in different words. After
 * an ended session the bottom notice says how to get it updating again.
 */
export function NotUpdating({
  asOf,
  failure,
  className,
}: {
  asOf: string;
  failure?: LiveFailure | null;
  className?: string;
}) {
  const ended = useSessionEndedReason();
  const why = failure
    ? LIVE_FAILURE_REASON[failure]
    : ended === "disabled"
      ? "account disabled"
      : "signed out";
  return (
    <span className={cn("text-amber-700 dark:text-amber-300", className)} data-testid="not-updating">
      Not updating: {why} · as of <LocalTime iso={asOf} />
      {failure && " · retrying…"}
    </span>
  );
}

/** Dims a live view's data while it is not updating (see NotUpdating): readable, visibly not current. */
export function notLive(ended: boolean): string | undefined {
  return ended ? "opacity-60" : undefined;
}
