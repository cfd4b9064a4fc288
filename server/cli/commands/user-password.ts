import { getUserByEmail, resetPassword } from "../../../lib/users/service.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { readPassword } from "../prompt.ts";

/** `burrow user password`; its help and usage line are in ../command-table.ts. */
export async function runUserPassword(context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(context.args, {}, { required: ["email"] });
  const env = context.env();
  const email = positionals[0] ?? "";
  const user = await withDatabase(env, async (db) => {
    // An unknown email is said before the new password is asked for (twice), not after.
    await getUserByEmail(db, email);
    const password = await readPassword(context.environment.BURROW_PASSWORD);
    return resetPassword(db, email, password);
  });
  context.out(`New password set for ${user.email}; their dashboard sessions were signed out`);
  return 0;
}
