import "server-only";
import type { Db } from "../db.ts";
import { type LogDeletionState, logDeletionOf, runLogDeletion } from "../request-logs/deletions.ts";
import { finishesWithin } from "../time-limit.ts";

/**
 * How long a dashboard action waits for a log deletion it started: a small log is gone when the
 * page re-renders, as before; a big one goes on in the background, the page showing its progress,
 * well before a reverse proxy's read timeout (nginx: 60 s) would cut the request off.
 */
export const LOG_DELETION_WAIT_MS = 2_000;

/**
 * Works on the name's log deletion in this process, in the background (nothing to do when it is
 * done or another process works on it), waiting up to `waitMs` for it; returns its state then. A
 * failure (the database gone) is logged: the lease runs out and the relay, or the next page that
 * shows the deletion, takes it up again.
 */
export async function continueLogDeletion(
  db: Db,
  name: string,
  waitMs = 0,
): Promise<LogDeletionState | null> {
  const run = runLogged(db, name);
  if (waitMs > 0) await finishesWithin(run, waitMs);
  return logDeletionOf(db, name);
}

function runLogged(db: Db, name: string): Promise<void> {
  return runLogDeletion(db, name).then(
    () => undefined,
    (error: unknown) => console.error(`log deletion of ${name} stopped; it resumes later:`, error),
  );
}

/**
 * Works on these names' log deletions, one after another, in the background, for whoever does not
 * wait for them: a deleted account's names, and the releases the admin's All names shows, taken
 * up again when their process stopped (nothing to do for those another process works on).
 */
export function continueLogDeletions(db: Db, names: readonly string[]): void {
  void (async () => {
    for (const name of names) await runLogged(db, name);
  })();
}
