import { tunnelUrl } from "../../../lib/env.ts";
import { invalidNameMessage } from "../../../lib/names/rules.ts";
import { reserveName } from "../../../lib/names/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { CommandContext } from "../command.ts";
import { assertEmailFirst, parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";

/** `burrow name reserve`; its help and usage line are in ../command-table.ts. */
export async function runNameReserve(context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(context.args, {}, { required: ["email", "name"] });
  assertEmailFirst(positionals, "name reserve <email> <name>");
  const [email = "", name = ""] = positionals;
  // Said before any database is opened, and as a mistake in the call (exit 2), as `name
  // disconnect` and `logs` say it.
  const invalid = invalidNameMessage(name);
  if (invalid) throw new UsageError(invalid);
  const env = context.env();
  const reservation = await withDatabase(env, async (db) => {
    const user = await getUserByEmail(db, email);
    // The admin is told about that account, not "you have reached your limit".
    return reserveName(db, user.id, name, { maxNames: env.BURROW_MAX_NAMES, account: user.email });
  });
  context.out(
    `Reserved ${reservation.name} for ${email.trim().toLowerCase()}: ${tunnelUrl(env, reservation.name)}`,
  );
  return 0;
}
