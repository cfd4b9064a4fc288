import { setAccountRoleByEmail } from "../../../lib/users/operator.ts";
import { roleSchema } from "../../../lib/users/schemas.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";

export const userRole: Command = {
  name: "user role",
  synopsis: "<email> admin|user",
  summary: "Make an account an admin (the dashboard's Admin pages) or a regular user",
  details: `The only admin cannot be made a user: make another account an admin first.

Examples:
  npm run burrow -- user role bob@example.com admin
  npm run burrow -- user role ann@example.com user`,
  async run(context) {
    const { positionals } = parseCommandArgs(context.args, {}, { required: ["email", "admin|user"] });
    const [email = "", typed = ""] = positionals;
    const role = roleSchema.safeParse(typed.toUpperCase());
    if (!role.success) throw new UsageError(`the role is admin or user, not ${JSON.stringify(typed)}`);
    const { user, changed } = await withDatabase(context.env(), (db) =>
      setAccountRoleByEmail(db, email, role.data),
    );
    const shown = user.role === "ADMIN" ? "an admin" : "a regular user";
    context.out(changed ? `${user.email} is now ${shown}` : `${user.email} is already ${shown}`);
    return 0;
  },
};
