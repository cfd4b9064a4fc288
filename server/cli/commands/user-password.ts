import { resetPassword } from "../../../lib/users/service.ts";
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
    const password = await readPassword(context.environment.BURROW_PASSWORD);
    const user = await withDatabase(env, (db) => resetPassword(db, positionals[0] ?? "", password));
    context.out(`New password set for ${user.email}; their dashboard sessions were signed out`);
    return 0;
  },
};
