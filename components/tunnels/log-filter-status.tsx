"use client";

import { useTunnelActivity } from "./tunnel-activity";

/**
 * What a filtered log shows, for screen readers: applying filters replaces the log with no other
 * sign that anything happened, so someone who pressed Enter in a filter field heard nothing, not even
 * "no match". This stays in place (outside the log, which new filters mount anew) so a screen
 * reader announces the change; the unfiltered log says nothing. Right after the whole log was deleted
 * from here it says what the page shows (FilteredLogEmptyState): the log is empty.
 */
export function LogFilterStatus(props: {
  filtered: boolean;
  /** Rows on the first page. */
  shown: number;
  /** Older matches may follow ("Older", or a search that stopped at its window). */
  more: boolean;
}) {
  const cleared = useTunnelActivity().clears > 0;
  return (
    <p role="status" className="sr-only">
      {filterStatusText({ ...props, cleared })}
    </p>
  );
}

/** The status's words; `cleared`: the whole log was deleted from this page. */
export function filterStatusText({
  filtered,
  shown,
  more,
  cleared,
}: {
  filtered: boolean;
  shown: number;
  more: boolean;
  cleared: boolean;
}): string {
  if (!filtered) return "";
  if (shown === 0 && cleared) return "The log is empty";
  if (shown === 0)
    return more ? "No matching requests in the newest ones" : "No requests match these filters";
  return `${shown}${more ? " or more" : ""} matching ${shown === 1 && !more ? "request" : "requests"}`;
}
