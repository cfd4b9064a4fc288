/**
 * What a filtered log shows, for screen readers: applying filters replaces the log with no other
 * sign that anything happened, so someone who pressed Enter in a filter field heard nothing, not even
 * "no match". This stays in place (outside the log, which new filters mount anew) so a screen
 * reader announces the change; the unfiltered log says nothing.
 */
export function LogFilterStatus({
  filtered,
  shown,
  more,
}: {
  filtered: boolean;
  /** Rows on the first page. */
  shown: number;
  /** Older matches may follow ("Older", or a search that stopped at its window). */
  more: boolean;
}) {
  let text = "";
  if (filtered) {
    if (shown === 0)
      text = more ? "No matching requests in the newest ones" : "No requests match these filters";
    else text = `${shown}${more ? " or more" : ""} matching ${shown === 1 && !more ? "request" : "requests"}`;
  }
  return (
    <p role="status" className="sr-only">
      {text}
    </p>
  );
}
