import { createDb } from "../../../lib/db.ts";
import { listRelayHealth, type RelayHealth } from "../../../lib/relay-health.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { runningOwner } from "../data-dir-lock.ts";
import { databaseInUse, explainConnectionError, redact } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

/** `status`'s exit code when nothing runs, as `systemctl status` and LSB init scripts say it. */
export const NOT_RUNNING = 3;

/** Long enough for a database across a network; a status that hangs tells nothing. */
const DATABASE_WAIT_MS = 5_000;

interface DatabaseView {
  relays: RelayHealth[];
  accounts: number;
  names: number;
}

export const status: Command = {
  name: "status",
  synopsis: "",
  summary: "Whether Burrow is running here, its relays, tunnels up and accounts",
  details: `Reads the data dir (BURROW_DATA_DIR) and the database; starts and changes nothing: with
the embedded database and no Burrow running, there is no database to read.
Relays are those that reported in the last day (each writes a heartbeat every 10 s; "down" is one
that stopped beating without stopping: crashed, or lost its database).
Exit code: 0 when Burrow runs here or a relay on the database is up, ${NOT_RUNNING} when not.`,
  async run(context) {
    parseCommandArgs(context.args, {}, { required: [] });
    const env = context.env();
    const pid = await runningOwner(env.BURROW_DATA_DIR);
    context.out(
      pid === undefined
        ? `Burrow is not running here (data dir ${env.BURROW_DATA_DIR})`
        : `Burrow is running here: pid ${pid}, data dir ${env.BURROW_DATA_DIR}`,
    );
    const database = await databaseInUse(env);
    if (!database) {
      context.out("Database: embedded, stopped (it runs while Burrow does)");
      return pid === undefined ? NOT_RUNNING : 0;
    }
    const where = database.source === "DATABASE_URL" ? "DATABASE_URL" : "embedded";
    context.out(`Database: ${where}, ${redact(database.url)}`);
    let view: DatabaseView;
    try {
      view = await readDatabase(database.url);
    } catch (error) {
      context.out(databaseProblem(error, database.url));
      return pid === undefined ? NOT_RUNNING : 0;
    }
    const up = view.relays.filter((relay) => relay.up);
    if (view.relays.length === 0) {
      context.out("Relays: none has reported in the last day");
    } else {
      context.out("");
      context.out(relayTable(view.relays));
      context.out("");
      const fingerprints = [...new Set(up.map((relay) => relay.hostKeyFingerprint))];
      if (fingerprints.length > 0) context.out(`SSH host key: ${fingerprints.join(", ")}`);
    }
    const tunnels = up.reduce((sum, relay) => sum + relay.tunnels, 0);
    context.out(
      `${count(view.accounts, "account")}, ${count(view.names, "reserved name")}, ` +
        `${count(tunnels, "tunnel")} up`,
    );
    return pid !== undefined || up.length > 0 ? 0 : NOT_RUNNING;
  },
};

async function readDatabase(url: string): Promise<DatabaseView> {
  // Connecting gives up after 5 s too (lib/db.ts).
  const db = createDb(url, { max: 1, applicationName: "burrow-cli", queryTimeoutMs: DATABASE_WAIT_MS });
  try {
    const [relays, accounts, names] = await Promise.all([
      listRelayHealth(db),
      db.user.count(),
      db.reservation.count(),
    ]);
    return { relays, accounts, names };
  } finally {
    await db.$disconnect();
  }
}

/** Why the database told nothing, in one line. */
function databaseProblem(error: unknown, url: string): string {
  // Prisma's "table does not exist": a database no Burrow has started on yet.
  if ((error as { code?: unknown })?.code === "P2021") {
    return "The database has no Burrow tables yet: npm start (or npm run burrow -- migrate) creates them";
  }
  const explained = explainConnectionError(error, url);
  return explained instanceof Error ? explained.message : String(explained);
}

function relayTable(relays: RelayHealth[]): string {
  return formatTable(
    ["relay", "state", "since", "last beat", "ssh", "http", "tunnels", "req/min", "logs dropped"],
    relays.map((relay) => [
      relay.id.slice(0, 8),
      relay.up ? "up" : "down",
      formatTime(relay.startedAt),
      formatTime(relay.seenAt),
      String(relay.sshPort),
      String(relay.httpPort),
      String(relay.tunnels),
      String(relay.requestsPerMinute),
      String(relay.droppedLogs),
    ]),
  );
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
