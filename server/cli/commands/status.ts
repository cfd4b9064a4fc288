import { migrationState } from "../../../lib/db/migrate.ts";
import { createDb } from "../../../lib/db.ts";
import type { Env } from "../../../lib/env.ts";
import { listRelayHealth, type RelayHealth } from "../../../lib/relay-health.ts";
import { describeHolder, findRelayLockHolder, type RelayLockHolder } from "../../../lib/relay-lock-holder.ts";
import { countOf } from "../../../lib/web/format.ts";
import {
  type StoredCertificatesSummary,
  summariseStoredCertificates,
} from "../../http/acme/certificate-files.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { NOT_RUNNING } from "../command-table.ts";
import { runningOwner } from "../data-dir-lock.ts";
import { databaseInUse, explainConnectionError, redact, runningDatabase, sameDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

/** Long enough for a database across a network; a status that hangs tells nothing. */
const DATABASE_WAIT_MS = 5_000;

interface DatabaseView {
  relays: RelayHealth[];
  accounts: number;
  names: number;
}

/** Which relay holds the database (one relay per database: server/control/relay-lock.ts). */
interface RelayLock {
  held: boolean;
  /** Its pid, machine, address and since when, as far as PostgreSQL shows them; null when none. */
  holder: (RelayLockHolder & { description: string }) | null;
}

/** Everything `status` found, printed as text or, with --json, as it is. */
interface Status {
  running: boolean;
  pid: number | null;
  dataDir: string;
  database: {
    source: "DATABASE_URL" | "embedded";
    url: string | null;
    problem: string | null;
    /** Migrations of this version it lacks (an older Burrow's), null when it told nothing. */
    pendingMigrations: number | null;
    /** Migrations it has that this version lacks (a newer Burrow's), null when it told nothing. */
    unknownMigrations: number | null;
  };
  /**
   * What the Burrow running here uses (null when none runs); url null when it did not say (a
   * version from before it did). `same`: whether that is `database`, which this command read.
   */
  runningDatabase: { source: "DATABASE_URL" | "embedded"; url: string | null; same: boolean | null } | null;
  /** Null when the database told nothing. */
  relayLock: RelayLock | null;
  relays: RelayHealth[];
  accounts: number | null;
  names: number | null;
  tunnelsUp: number | null;
  /** Certificates the relay got by ACME and keeps in the data dir; null when it never did here. */
  certificates: StoredCertificatesSummary | null;
}

/** `burrow status`; its help and usage line are in ../command-table.ts. */
export async function runStatus(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(context.args, { json: { type: "boolean" } }, { required: [] });
  const found = await readStatus(context.env());
  if (values.json) context.out(JSON.stringify(found));
  else for (const line of statusLines(found)) context.out(line);
  const relayUp = found.relayLock?.held === true || found.relays.some((relay) => relay.up);
  return found.running || relayUp ? 0 : NOT_RUNNING;
}

async function readStatus(env: Env): Promise<Status> {
  const pid = (await runningOwner(env.BURROW_DATA_DIR)) ?? null;
  const found: Status = {
    running: pid !== null,
    pid,
    dataDir: env.BURROW_DATA_DIR,
    database: {
      source: env.DATABASE_URL ? "DATABASE_URL" : "embedded",
      url: null,
      problem: null,
      pendingMigrations: null,
      unknownMigrations: null,
    },
    runningDatabase: null,
    relayLock: null,
    relays: [],
    accounts: null,
    names: null,
    tunnelsUp: null,
    certificates: await summariseStoredCertificates(env.BURROW_DATA_DIR),
  };
  const database = await databaseInUse(env);
  if (pid !== null) {
    // Its database may not be this command's: DATABASE_URL set in this shell and not in the
    // Burrow's (or the reverse). The relays and counts below would then be another database's.
    const used = await runningDatabase(env.BURROW_DATA_DIR, pid);
    found.runningDatabase = {
      source: used.source,
      url: used.url === undefined ? null : redact(used.url),
      // Unknown (null) when it did not say which; false when this command has no database to read.
      same: !database ? false : used.url === undefined ? null : sameDatabase(database.url, used.url),
    };
  }
  if (!database) return found;
  found.database.url = redact(database.url);
  // An older Burrow's database makes every other command stop and say to migrate: status says so
  // too, before any count it may be unable to read.
  const state = await migrationState(database.url).catch(() => undefined);
  if (state && state.applied > 0) {
    found.database.pendingMigrations = state.pending.length;
    found.database.unknownMigrations = state.unknown.length;
  }
  const read = await readDatabase(database.url);
  found.relayLock = read.relayLock;
  if ("view" in read) {
    const { view } = read;
    found.relays = view.relays;
    found.accounts = view.accounts;
    found.names = view.names;
    found.tunnelsUp = view.relays.reduce((sum, relay) => sum + (relay.up ? relay.tunnels : 0), 0);
  } else {
    found.database.problem = databaseProblem(read.error, database.url);
  }
  return found;
}

function statusLines(found: Status): string[] {
  const lines = [
    found.running
      ? `Burrow is running here: pid ${found.pid}, data dir ${found.dataDir}`
      : `Burrow is not running here (data dir ${found.dataDir})`,
    ...certificateLines(found.certificates),
  ];
  const running = found.runningDatabase;
  if (running?.source === "DATABASE_URL" && found.database.url === null) {
    // Running on a DATABASE_URL this command was not given: nothing of it to read here.
    lines.push(
      `Database: the running Burrow's DATABASE_URL${running.url ? `, ${running.url}` : ""}; ` +
        "run status with the same DATABASE_URL to see its relays and counts",
    );
    return lines;
  }
  if (running?.same === false) {
    lines.push(
      running.source === "embedded"
        ? "The Burrow running here uses its embedded database, not this command's DATABASE_URL: what " +
            "follows is about DATABASE_URL's database only (run status without it to see the running Burrow's)"
        : `The Burrow running here uses DATABASE_URL ${running.url}, not this command's: what follows ` +
            "is about this command's DATABASE_URL only",
    );
  }
  lines.push(
    found.database.url === null
      ? "Database: embedded, stopped (it runs while Burrow does)"
      : `Database: ${found.database.source}, ${found.database.url}`,
  );
  const { pendingMigrations: pending, unknownMigrations: unknown } = found.database;
  if (unknown) {
    lines.push(
      `This database was migrated by a newer Burrow (${countOf(unknown, "migration")} this version ` +
        "does not have): run the newer version",
    );
  } else if (pending) {
    lines.push(
      `This database was migrated by an older Burrow: ${countOf(pending, "migration")} pending. Stop ` +
        "every Burrow using it, then run npm run burrow -- migrate (or npm start)",
    );
  }
  if (found.database.problem) lines.push(found.database.problem);
  if (found.relayLock) lines.push(relayLockLine(found.relayLock));
  if (found.accounts === null || found.names === null || found.tunnelsUp === null) return lines;
  if (found.relays.length === 0) {
    lines.push("Relays: none has reported in the last day");
  } else {
    lines.push("", relayTable(found.relays), "");
    const up = found.relays.filter((relay) => relay.up);
    const fingerprints = [...new Set(up.map((relay) => relay.hostKeyFingerprint))];
    if (fingerprints.length > 0) lines.push(`SSH host key: ${fingerprints.join(", ")}`);
  }
  lines.push(
    `${countOf(found.accounts, "account")}, ${countOf(found.names, "reserved name")}, ` +
      `${countOf(found.tunnelsUp, "tunnel")} up`,
  );
  return lines;
}

/**
 * The ACME certificates kept, for an operator checking that renewals work: the next to expire, and
 * any that already did (renewed at their name's next visit or the relay's periodic check).
 */
function certificateLines(certificates: StoredCertificatesSummary | null): string[] {
  if (!certificates) return [];
  const { count, soonest, expired } = certificates;
  const next = soonest
    ? `; the next to expire: ${soonest.host}, ${formatTime(new Date(soonest.expires))}`
    : "";
  const lines = [`HTTPS (ACME): ${countOf(count, "certificate")} kept${next}`];
  if (expired.length > 0) {
    lines.push(
      `Expired: ${expired.join(", ")} (renewed at the next visit; if this stays, see the relay's log)`,
    );
  }
  return lines;
}

/** "Relay: running (pid 4242 on web-1, connected from 10.0.0.5, since …)", or that none is. */
function relayLockLine(lock: RelayLock): string {
  return lock.holder
    ? `Relay: running (${lock.holder.description})`
    : "Relay: none running on this database (no relay holds it)";
}

/**
 * The counts, or why they could not be read; and the relay holding the database (null if not
 * read). That needs no Burrow table, so it is also said for a database no Burrow migrated yet.
 */
async function readDatabase(
  url: string,
): Promise<{ relayLock: RelayLock | null } & ({ view: DatabaseView } | { error: unknown })> {
  // Connecting gives up after 5 s too (lib/db.ts).
  const db = createDb(url, { max: 1, applicationName: "burrow-cli", queryTimeoutMs: DATABASE_WAIT_MS });
  const readLock = () =>
    findRelayLockHolder(db).then(
      (holder): RelayLock => ({
        held: holder !== undefined,
        holder: holder ? { ...holder, description: describeHolder(holder) } : null,
      }),
      () => null,
    );
  try {
    const [relays, accounts, names] = await Promise.all([
      listRelayHealth(db),
      db.user.count(),
      db.reservation.count(),
    ]);
    return { relayLock: await readLock(), view: { relays, accounts, names } };
  } catch (error) {
    // Asked again only of a database that answered (a Prisma P2… code: no tables, say): one that
    // cannot be reached would make status wait out the connection timeout twice.
    const answered = /^P2/.test(String((error as { code?: unknown })?.code));
    return { relayLock: answered ? await readLock() : null, error };
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
