import { listAllNames } from "../../../lib/names/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

export const nameList: Command = {
  name: "name list",
  synopsis: "[email]",
  summary: "List reserved names (all, or one account's) with their live state",
  async run(context) {
    const { positionals } = parseCommandArgs(context.args, {}, { required: [], optional: ["email"] });
    const email = positionals[0];
    const { names } = await withDatabase(context.env(), async (db) =>
      listAllNames(db, email ? { userId: (await getUserByEmail(db, email)).id } : {}),
    );
    if (names.length === 0) {
      context.out("No names reserved. Reserve one with: npm run burrow -- name reserve <email> <name>");
      return 0;
    }
    context.out(
      formatTable(
        ["name", "owner", "state", "access", "app host", "bodies", "requests 24h", "last seen"],
        names.map((n) => [
          n.name,
          n.email,
          n.online ? "online" : "offline",
          // Allowed networks narrow the mode: "password, 2 networks".
          n.allowedIps.length > 0
            ? `${n.accessMode.toLowerCase()}, ${n.allowedIps.length} ${n.allowedIps.length === 1 ? "network" : "networks"}`
            : n.accessMode.toLowerCase(),
          // What the app receives as Host: the visitor's, or localhost for dev servers that insist.
          n.hostLocalhost ? "localhost" : "as sent",
          // Whether its request log keeps the start of bodies (the owner's choice in the dashboard).
          n.keepBodies ? "kept" : "no",
          String(n.requests24h),
          n.online ? "now" : formatTime(n.lastSeenAt),
        ]),
      ),
    );
    return 0;
  },
};
