import type { Db } from "../../../lib/db.ts";
import { normaliseName } from "../../../lib/names/rules.ts";
import { type ClearWhat, clearNameLog, countClearable } from "../../../lib/request-logs/clear.ts";
import type { CommandContext } from "../command.ts";
import { deletionProgressNotes } from "../log-deletion-progress.ts";
import { nameKnown, unknownNameError } from "../name-known.ts";

/**
 * `burrow logs <name> --delete bodies|all [--yes]`: the dashboard's "Delete kept bodies…" and
 * "Delete all requests…" for the server's administrator (any name, also a random name's log after
 * its tunnel left). Without --yes it only counts what would go, as `user delete` does; with it the
 * relay is told as by the dashboard, so connections still open forget what they kept even when no
 * stored row had a body, and waits for a long deletion (saying how far it is on stderr); stopped
 * meanwhile (Ctrl-C), the deletion goes on in the relay within a minute or two. Returns the exit code.
 */
export async function deleteLog(
  context: CommandContext,
  db: Db,
  rawName: string,
  what: ClearWhat,
  yes: boolean,
): Promise<number> {
  const name = normaliseName(rawName);
  const nothing = what === "all" ? `No requests logged for ${name}` : `No request to ${name} has a kept body`;
  if (!yes) {
    const count = await countClearable(db, name, what);
    if (count === 0 && !(await nameKnown(db, name))) throw unknownNameError(name);
    if (count === 0) {
      context.out(nothing);
      return 0;
    }
    const change = what === "all" ? "deletes" : "empties the bodies of";
    const subject = `${requestCount(count)}${what === "all" ? "" : " with kept bodies"}`;
    context.note(`burrow logs: this ${change} ${subject} of ${name}. Run again with --yes to do it.`);
    return 1;
  }
  const progress = deletionProgressNotes("logs", context.note);
  let changed: number;
  try {
    changed = await clearNameLog(db, name, what, progress.onProgress);
  } finally {
    progress.stop();
  }
  // Nothing deleted: "No requests logged for myap" would read as done for a mistyped name.
  if (changed === 0 && !(await nameKnown(db, name))) throw unknownNameError(name);
  context.out(
    changed === 0
      ? nothing
      : what === "all"
        ? `Deleted ${requestCount(changed)} of ${name}`
        : `Deleted the kept bodies of ${requestCount(changed)} of ${name} (the requests stay)`,
  );
  return 0;
}

/** "1 request", "2 requests". */
function requestCount(count: number): string {
  return `${count} ${count === 1 ? "request" : "requests"}`;
}
