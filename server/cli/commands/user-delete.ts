import { listNames } from "../../../lib/names/service.ts";
import { finishLogDeletion } from "../../../lib/request-logs/deletions.ts";
import { deleteUserByEmail, getUserByEmail, userDeletionRefusal } from "../../../lib/users/service.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { deletionProgressNotes } from "../log-deletion-progress.ts";

/** `burrow user delete`; its help and usage line are in ../command-table.ts. */
export async function runUserDelete(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { yes: { type: "boolean" } },
    { required: ["email"] },
  );
  const email = positionals[0] ?? "";
  return withDatabase(context.env(), async (db) => {
    if (values.yes !== true) {
      // Nothing is deleted without --yes: say what would be, so the second run is a choice.
      const user = await getUserByEmail(db, email);
      const names = (await listNames(db, user.id)).map((n) => n.name);
      // "with no names (and their request logs)" read oddly: name what there is, and only that.
      const reserved =
        names.length === 0
          ? ","
          : ` with ${names.length === 1 ? "the name" : "the names"} ${names.join(", ")} (and ${names.length === 1 ? "its" : "their"} request logs),`;
      const what = `${user.email}${reserved} its keys, share links, tunnel history, sign-ins and the request logs of its random-name tunnels`;
      // A refusal --yes would meet (a tunnel up, the only admin) comes first, not after the choice.
      const refusal = await userDeletionRefusal(db, user);
      context.note(
        refusal
          ? `burrow user delete: not possible now: ${refusal}. Once it is, this deletes ${what}; then run again with --yes.`
          : `burrow user delete: this deletes ${what}. Run again with --yes to do it.`,
      );
      return 1;
    }
    const { user, names } = await deleteUserByEmail(db, email);
    // Its names' logs are deleted in the background (a release's are); this waits for them, as
    // `name release` does, saying how far a long one is. Stopped meanwhile, the relay goes on.
    const progress = deletionProgressNotes("user delete", context.note);
    try {
      for (const name of names) await finishLogDeletion(db, name, { onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
    context.out(`Deleted ${user.email}${names.length > 0 ? `; released ${names.join(", ")}` : ""}`);
    return 0;
  });
}
