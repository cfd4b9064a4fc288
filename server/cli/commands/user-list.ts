import { listUsers } from "../../../lib/users/service.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

/** `burrow user list`; its help and usage line are in ../command-table.ts. */
export async function runUserList(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(context.args, { json: { type: "boolean" } }, { required: [] });
  const { users } = await withDatabase(context.env(), (db) => listUsers(db));
  if (values.json) {
    for (const u of users) {
      context.out(
        JSON.stringify({
          email: u.email,
          role: u.role.toLowerCase(),
          disabledAt: u.disabledAt,
          names: u.names,
          keys: u.keys,
          createdAt: u.createdAt,
        }),
      );
    }
    return 0;
  }
  if (users.length === 0) {
    context.out("No accounts yet. Create one with: npm run burrow -- user add <email>");
    return 0;
  }
  context.out(
    formatTable(
      ["email", "role", "status", "names", "keys", "created"],
      users.map((u) => [
        u.email,
        u.role.toLowerCase(),
        u.disabledAt ? "disabled" : "active",
        String(u.names),
        String(u.keys),
        formatTime(u.createdAt),
      ]),
    ),
  );
  return 0;
}
