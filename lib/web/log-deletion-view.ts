import type { LogDeletionState } from "../request-logs/deletions.ts";

/** JSON-safe: the tunnel page's and the names page's view of a log deletion, first render and polls. */
export interface LogDeletionView {
  name: string;
  kind: "all" | "release";
  requestedAt: string;
  total: number;
  deleted: number;
  finishedAt: string | null;
}

export function toLogDeletionView(state: LogDeletionState): LogDeletionView {
  return {
    name: state.name,
    kind: state.kind,
    requestedAt: state.requestedAt.toISOString(),
    total: state.total,
    deleted: state.deleted,
    finishedAt: state.finishedAt?.toISOString() ?? null,
  };
}

/** How long a finished deletion is still shown (its result) on a page loaded after it. */
export const FINISHED_SHOWN_MS = 10 * 60_000;

/** Whether a page shows this deletion: under way, or finished a short while ago. */
export function deletionShown(state: LogDeletionState | null, now = Date.now()): state is LogDeletionState {
  return (
    state !== null && (state.finishedAt === null || now - state.finishedAt.getTime() < FINISHED_SHOWN_MS)
  );
}
