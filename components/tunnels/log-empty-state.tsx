"use client";

import { EmptyState } from "../ui/empty-state";
import { useTunnelActivity } from "./tunnel-activity";

/**
 * The unfiltered log with no requests: how to get some. What to do depends on whether the tunnel
 * is connected (as the page was rendered) and whether the owner just deleted the log from here.
 */
export function LogEmptyState({ url, online }: { url: string; online: boolean }) {
  const cleared = useTunnelActivity().clears > 0;
  const open = <span className="font-medium">{url}</span>;
  if (cleared) {
    return (
      <EmptyState title="The log is empty">
        <p>Every request was deleted. New requests to {open} appear here as they happen.</p>
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No requests yet">
      {online ? (
        <p>Your tunnel is online: open {open} and requests appear here as they happen.</p>
      ) : (
        <p>Run one of the commands under Connect, then open {open}. Requests appear here as they happen.</p>
      )}
    </EmptyState>
  );
}

/**
 * A filtered log with no requests. Right after the whole log was deleted from here, "no requests
 * match these filters" would suggest others are still there: it says the log is empty.
 */
export function FilteredLogEmptyState() {
  const cleared = useTunnelActivity().clears > 0;
  if (cleared) {
    return (
      <EmptyState title="The log is empty">
        <p>Every request was deleted, whatever the filters showed.</p>
      </EmptyState>
    );
  }
  return <EmptyState title="No requests match these filters" />;
}
