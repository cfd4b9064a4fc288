import { listUsers } from "../../../lib/users/service.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

export const userList: Command = {
  name: "user list",
  synopsis: "",
  summary: "List accounts",
  async run(context) {
    parseCommandArgs(context.args, {}, { required: [] });
    const { users } = await withDatabase(context.env(), (db) => listUsers(db));
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
  },
};
