import { randomNameKeptUntil } from "../../../lib/names/random-hold.ts";
import {
  listAllNames,
  listAllRandomNames,
  listRandomNames,
  RANDOM_NAMES_LISTED,
} from "../../../lib/names/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

/** `burrow name list`; its help and usage line are in ../command-table.ts. */
export async function runNameList(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { json: { type: "boolean" } },
    { required: [], optional: ["email"] },
  );
  const email = positionals[0];
  const holdHours = context.env().BURROW_RANDOM_NAME_HOURS;
  const { names, random } = await withDatabase(context.env(), async (db) => {
    if (!email) {
      const [all, random] = await Promise.all([listAllNames(db), listAllRandomNames(db, holdHours)]);
      return { names: all.names, random };
    }
    const user = await getUserByEmail(db, email);
    const [all, random] = await Promise.all([
      listAllNames(db, { userId: user.id }),
      listRandomNames(db, user.id, holdHours),
    ]);
    return { names: all.names, random: random.map((item) => ({ ...item, email: user.email })) };
  });
  if (values.json) {
    for (const n of names) {
      context.out(
        JSON.stringify({
          name: n.name,
          owner: n.email,
          random: false,
          online: n.online,
          access: n.accessMode.toLowerCase(),
          allowedNetworks: n.allowedIps,
          hostLocalhost: n.hostLocalhost,
          keepBodies: n.keepBodies,
          requests24h: n.requests24h,
          lastSeenAt: n.lastSeenAt,
          keptUntil: null,
        }),
      );
    }
    // An online random name has no endedAt: it is seen now, as a reserved one's lastSeenAt says
    // while it is up (and the table's LAST SEEN); null would read as never.
    const now = new Date();
    for (const n of random) {
      context.out(
        JSON.stringify({
          name: n.name,
          owner: n.email,
          random: true,
          online: n.online,
          access: "public",
          allowedNetworks: [],
          hostLocalhost: false,
          keepBodies: false,
          requests24h: n.requests24h,
          lastSeenAt: n.online ? now : n.endedAt,
          keptUntil: randomNameKeptUntil(n, holdHours),
        }),
      );
    }
    if (random.length >= RANDOM_NAMES_LISTED) context.note(randomNamesCapped());
    return 0;
  }
  if (names.length + random.length === 0) {
    context.out("No names reserved. Reserve one with: npm run burrow -- name reserve <email> <name>");
    return 0;
  }
  context.out(
    formatTable(
      ["name", "owner", "state", "access", "app host", "bodies", "requests 24h", "last seen", "kept"],
      [
        ...names.map((n) => [
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
          "reserved",
        ]),
        // No settings of their own: public, Host as sent, no bodies kept.
        ...random.map((n) => {
          const until = randomNameKeptUntil(n, holdHours);
          return [
            n.name,
            n.email,
            n.online ? "online" : "offline",
            "public",
            "as sent",
            "no",
            String(n.requests24h),
            n.online ? "now" : formatTime(n.endedAt),
            // While connected it is kept for holdHours after it closes: no date yet.
            until ? `random, until ${formatTime(until)}` : `random, ${holdHours} h after it goes offline`,
          ];
        }),
      ],
    ),
  );
  // The list stops there (each connection without a name makes one): say so, not leave it silent.
  if (random.length >= RANDOM_NAMES_LISTED) context.note(randomNamesCapped());
  return 0;
}

function randomNamesCapped(): string {
  return `Only the ${RANDOM_NAMES_LISTED} most recently used random names are listed; Admin → Names on the dashboard searches them all.`;
}
