import type { LogDeletionState } from "../../lib/request-logs/deletions.ts";

const formatCount = (n: number) => n.toLocaleString("en-US");

/** How often a long deletion's progress is said on stderr, at most. */
const PROGRESS_EVERY_MS = 2_000;

/**
 * The CLI's onProgress for a log deletion (`logs <name> --delete all --yes`, `name release`): a line
 * on stderr every few seconds while it goes on (millions of rows take a minute or more), nothing for
 * a log deleted within the first.
 */
export function deletionProgressNotes(command: string, note: (line: string) => void) {
  const started = Date.now();
  let saidAt = started;
  return (state: LogDeletionState) => {
    const now = Date.now();
    if (state.finishedAt || now - saidAt < PROGRESS_EVERY_MS) return;
    saidAt = now;
    const done = Math.min(state.deleted, state.total);
    note(
      `burrow ${command}: deleting the log of ${state.name}: ${formatCount(done)} of ${formatCount(state.total)} requests…`,
    );
  };
}
