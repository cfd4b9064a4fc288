import type { LogDeletionState } from "../../lib/request-logs/deletions.ts";
import { formatCount } from "../../lib/web/format.ts";

/** How often a long deletion's progress is said on stderr. */
const PROGRESS_EVERY_MS = 2_000;

/**
 * The CLI's view of a log deletion it waits for (`logs <name> --delete all --yes`, `name release`,
 * `user delete`): a line on stderr every few seconds while it goes on (millions of rows take a
 * minute or more, and a batch may wait on a busy database), nothing for a log deleted within the
 * first. `stop` when done.
 */
export function deletionProgressNotes(command: string, note: (line: string) => void) {
  let latest: LogDeletionState | undefined;
  const timer = setInterval(() => {
    if (!latest || latest.finishedAt) return;
    const done = Math.min(latest.deleted, latest.total);
    note(
      `burrow ${command}: deleting the log of ${latest.name}: ${formatCount(done)} of ${formatCount(latest.total)} requests…`,
    );
  }, PROGRESS_EVERY_MS);
  return {
    onProgress: (state: LogDeletionState) => {
      latest = state;
    },
    stop: () => clearInterval(timer),
  };
}
