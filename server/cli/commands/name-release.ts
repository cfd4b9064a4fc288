import type { Db } from "../../../lib/db.ts";
import { AppError } from "../../../lib/errors.ts";
import { randomNameHolder } from "../../../lib/names/random-hold.ts";
import { invalidNameMessage, normaliseName, STORED_NAME } from "../../../lib/names/rules.ts";
import { nameReleaseRefusal, releaseAnyName } from "../../../lib/names/service.ts";
import { finishLogDeletion, loggedRequests } from "../../../lib/request-logs/deletions.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";
import { deletionProgressNotes } from "../log-deletion-progress.ts";

/** `burrow name release`; its help and usage line are in ../command-table.ts. */
export async function runNameRelease(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { yes: { type: "boolean" } },
    { required: ["name"] },
  );
  const name = normaliseName(positionals[0] ?? "");
  // `name reserve` takes an email first; this one does not, since a name has one owner.
  if (name.includes("@")) {
    throw new UsageError(
      `"${name}" is an email: give the name to release ("name list ${name}" shows that user's names)`,
    );
  }
  // Names as stored (some from older rules) pass; anything else cannot be one.
  if (!STORED_NAME.test(name))
    throw new UsageError(invalidNameMessage(name) ?? `"${name}" is not a valid name`);
  return withDatabase(context.env(), async (db) => {
    if (values.yes !== true) {
      // Nothing is deleted without --yes (as with `user delete`, `logs --delete`): the log goes
      // for good, so say what would go and let the second run be a choice.
      const { owner, random } = await nameOwner(db, name);
      const [requests, refusal] = await Promise.all([
        loggedRequests(db, name),
        nameReleaseRefusal(db, name).then((text) => text && withDisconnectHint(text, name)),
      ]);
      const log =
        requests === 0
          ? "no logged requests"
          : `its ${requests} logged ${requests === 1 ? "request" : "requests"}`;
      const what = `${name} (${random ? "a random name " : ""}of ${owner}) and deletes ${log}`;
      // The refusal --yes would meet comes first, not after the choice.
      context.note(
        refusal
          ? `burrow name release: not possible now: ${refusal}. Once it is, this releases ${what}; then run again with --yes.`
          : `burrow name release: this releases ${what}. Run again with --yes to do it.`,
      );
      return 1;
    }
    try {
      await releaseAnyName(db, name);
    } catch (error) {
      if (error instanceof AppError && error.code === "conflict") {
        throw new AppError("conflict", withDisconnectHint(error.message, name));
      }
      throw error;
    }
    const progress = deletionProgressNotes("name release", context.note);
    try {
      await finishLogDeletion(db, name, { onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
    context.out(`Released ${name}`);
    return 0;
  });
}

/** A refusal because the tunnel is up, with the command that takes it down. */
function withDisconnectHint(refusal: string, name: string): string {
  return `${refusal} (npm run burrow -- name disconnect ${name})`;
}

/** Whose name it is (their email), as `releaseAnyName` reads it: a reservation, else a random name. */
async function nameOwner(db: Db, name: string): Promise<{ owner: string; random: boolean }> {
  const reservation = await db.reservation.findUnique({
    where: { name },
    select: { user: { select: { email: true } } },
  });
  if (reservation) return { owner: reservation.user.email, random: false };
  const random = await randomNameHolder(db, name);
  if (!random) throw new AppError("not_found", `${name} is not reserved`);
  const user = await db.user.findUnique({ where: { id: random.userId }, select: { email: true } });
  return { owner: user?.email ?? "a deleted account", random: true };
}
