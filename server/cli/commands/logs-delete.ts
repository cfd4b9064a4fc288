import type { Db } from "../../../lib/db.ts";
import { type ClearWhat, clearNameLog, countClearable } from "../../../lib/request-logs/clear.ts";
import type { CommandContext } from "../command.ts";

/**
 * `burrow logs <name> --delete bodies|all [--yes]`: the dashboard's "Delete kept bodies…" and
 * "Delete all requests…" for the server's administrator (any name, also a random name's log after
 * its tunnel left). Without --yes it only says what would go, as `user delete` does; the relay
 * is told either way only when something is deleted. Returns the exit code.
 */
export async function deleteLog(
  context: CommandContext,
  db: Db,
  rawName: string,
  what: ClearWhat,
  yes: boolean,
): Promise<number> {
  const name = rawName.trim().toLowerCase();
  const counts = await countClearable(db, name);
  const subject = what === "all" ? "requests" : "requests with kept bodies";
  if (counts[what] === 0) {
    context.out(what === "all" ? `No requests logged for ${name}` : `No request to ${name} has a kept body`);
    return 0;
  }
  if (!yes) {
    const change = what === "all" ? "deletes" : "empties the bodies of";
    context.note(
      `burrow logs: this ${change} ${counts[what]} ${subject} of ${name}. Run again with --yes to do it.`,
    );
    return 1;
  }
  const changed = await clearNameLog(db, name, what);
  context.out(
    what === "all"
      ? `Deleted ${changed} ${changed === 1 ? "request" : "requests"} of ${name}`
      : `Deleted the kept bodies of ${changed} ${changed === 1 ? "request" : "requests"} of ${name} (the requests stay)`,
  );
  return 0;
}
