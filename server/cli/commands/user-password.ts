import { getUserByEmail, resetPassword } from "../../../lib/users/service.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { readPassword } from "../prompt.ts";

export const userPassword: Command = {
  name: "user password",
  synopsis: "<email>",
  summary: "Set an account's new password (e.g. a forgotten one) and sign it out everywhere",
  details: `The password comes from BURROW_PASSWORD, or you are asked for it (twice) when in a terminal.
Users change their own password on the dashboard's Account page.

Example:
  npm run burrow -- user password ann@example.com`,
  async run(context) {
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
  },
};
