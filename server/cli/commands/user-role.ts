import { setAccountRoleByEmail } from "../../../lib/users/operator.ts";
import { roleSchema } from "../../../lib/users/schemas.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";

/** `burrow user role`; its help and usage line are in ../command-table.ts. */
export async function runUserRole(context: CommandContext): Promise<number> {
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
}
