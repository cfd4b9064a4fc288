import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { AppError } from "../errors.ts";
import { projectRoot } from "../project-root.ts";

export const defaultMigrationsDir = join(projectRoot, "prisma", "migrations");

/** pg_advisory_lock's key: arbitrary, fixed ("burrow migrate"). */
const LOCK_KEY = 72707369;
/** How long the lock may be waited for before the wait is said (describeLockHolder). */
const LOCK_NOTE_AFTER_MS = 2_000;

export interface MigrateOptions {
  /** Told what the operator should know while it runs: a wait for the lock, a long upgrade. */
  note?(line: string): void;
  /**
   * false: a database that already has migrations applied is left as it is when this version has
   * more, and they are returned in `pending`; an empty one is still set up. For commands that must
   * not upgrade a database under the older relays that may still be running on it.
   */
  upgrade?: boolean;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  /** Left unapplied (only with `upgrade: false`): the database is an older Burrow's. */
  pending: string[];
}

/**
 * Applies prisma/migrations/<timestamp>_<name>/migration.sql in order, one transaction each,
 * recording them in Prisma's own `_prisma_migrations` table with sha256 checksums, so a machine with
 * the real Prisma CLI sees the same history. Prisma's `migrate deploy` needs a native engine that
 * cannot be downloaded here (see STACK.md). An advisory lock makes concurrent starts safe.
 */
export async function migrate(
  databaseUrl: string,
  dir = defaultMigrationsDir,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const client = await openClient(databaseUrl, "burrow-migrate");
  try {
    // Nothing to apply, every command's case: answered without the lock, so commands run at once
    // do not queue behind each other's check (nor see each other as a migration to wait for).
    const upToDate = await upToDateCount(client, dir);
    if (upToDate !== undefined) return { applied: [], alreadyApplied: upToDate, pending: [] };
    const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [LOCK_KEY]);
    if (!locked.rows[0]?.ok) {
      // Said only when the wait lasts: another start may be applying a quick migration.
      const holder = await describeLockHolder(client);
      const note = setTimeout(() => options.note?.(holder), LOCK_NOTE_AFTER_MS);
      try {
        await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
      } finally {
        clearTimeout(note);
      }
    }
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const applied = await appliedMigrations(client);
    const names = await migrationNames(dir);
    // A database a newer Burrow migrated, started by an older one by mistake (a `git checkout` of an
    // old commit, a restored old checkout): the older code knows nothing of the newer columns, so
    // it would serve names without the access rules stored there and write rows the newer code
    // does not expect. Refused before anything is applied.
    const unknown = [...applied.keys()].filter((name) => !names.includes(name)).sort();
    if (unknown.length > 0) {
      throw new AppError(
        "unavailable",
        `This database was migrated by a newer Burrow: it has ${unknown.length === 1 ? "migration" : "migrations"} ` +
          `${unknown.join(", ")}, which this version does not have. Nothing was changed. Run the newer ` +
          "version again (git pull && npm install && npm start), or restore the backup made before the upgrade.",
      );
    }
    const pending = names.filter((name) => !applied.has(name));
    if (pending.length > 0 && applied.size > 0) {
      if (options.upgrade === false) return { applied: [], alreadyApplied: applied.size, pending };
      // An upgrade: a migration that rewrites a large request log takes a while, silently.
      options.note?.(
        `Upgrading the database: ${pending.length} ${pending.length === 1 ? "migration" : "migrations"} to ` +
          "apply, each in one transaction (stopped or killed in the middle, the next start applies it again)",
      );
    }
    const result: MigrateResult = { applied: [], alreadyApplied: 0, pending: [] };
    for (const name of names) {
      const sql = await readFile(join(dir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const known = applied.get(name);
      if (known !== undefined) {
        if (known !== checksum) {
          throw new Error(`Migration ${name} was changed after it was applied (checksum mismatch)`);
        }
        result.alreadyApplied += 1;
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        // Said in full: an operator upgrading wants to know whether the database is half-changed.
        throw new AppError(
          "unavailable",
          `Migration ${name} failed: ${(error as Error).message}. It was undone (one transaction), ` +
            "so the database is as it was before this migration, and the next start tries it again.",
        );
      }
      result.applied.push(name);
    }
    return result;
  } finally {
    // Also after the lock-free answer: unlocking a lock not held only returns false.
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** A connected client for the migrations' work, named `applicationName` in pg_stat_activity. */
async function openClient(databaseUrl: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: applicationName,
    // A database that accepts the connection but never answers (packets dropped, a paused VM)
    // would hold every command and every start at this point, saying nothing, for ever.
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  return client;
}

/** The migrations the database has finished (not rolled back), with their checksums; none without the table. */
async function appliedMigrations(client: pg.Client): Promise<Map<string, string>> {
  const table = await client.query<{ ok: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS ok`,
  );
  if (!table.rows[0]?.ok) return new Map();
  const done = await client.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations"
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  return new Map(done.rows.map((r) => [r.migration_name, r.checksum]));
}

/** This version's migrations, in the order they apply: the folders of `dir`. */
async function migrationNames(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/**
 * Where a database stands against this version's migrations, read only (burrow status): how many
 * of them it has, those it lacks (an older Burrow's database), and those it has that this version
 * does not (a newer Burrow's). A database with no Burrow tables has none applied.
 */
export async function migrationState(
  databaseUrl: string,
  dir = defaultMigrationsDir,
): Promise<{ applied: number; pending: string[]; unknown: string[] }> {
  const client = await openClient(databaseUrl, "burrow-status");
  try {
    const applied = await appliedMigrations(client);
    const names = await migrationNames(dir);
    return {
      applied: applied.size,
      pending: names.filter((name) => !applied.has(name)),
      unknown: [...applied.keys()].filter((name) => !names.includes(name)).sort(),
    };
  } finally {
    await client.end();
  }
}

/**
 * Who holds the migration lock, for the operator waiting on it. Besides another Burrow migrating
 * now, it is often one that was killed in the middle of a long migration: PostgreSQL goes on with
 * the statement it was running and only rolls it back (and lets go of the lock) once it finds the
 * client gone, which can take as long as the statement would have.
 */
/**
 * How many migrations there are when every one in `dir` is applied, with the same checksum, and no
 * other; undefined otherwise (something to apply, or to refuse: the locked path says which).
 */
async function upToDateCount(client: pg.Client, dir: string): Promise<number | undefined> {
  const applied = await appliedMigrations(client);
  const names = await migrationNames(dir);
  // None applied: set up on the locked path (which makes the table), even for an empty `dir`.
  if (applied.size === 0 || applied.size !== names.length) return undefined;
  for (const name of names) {
    const sql = await readFile(join(dir, name, "migration.sql"), "utf8");
    if (applied.get(name) !== createHash("sha256").update(sql).digest("hex")) return undefined;
  }
  return names.length;
}

async function describeLockHolder(client: pg.Client): Promise<string> {
  const holder = await client
    .query<{ pid: number; application_name: string; seconds: number | null }>(
      `SELECT a.pid, a.application_name, extract(epoch FROM now() - a.xact_start)::int AS seconds
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1
         AND a.datname = current_database()`,
      [LOCK_KEY],
    )
    .then((r) => r.rows[0])
    .catch(() => undefined);
  const who = holder
    ? `PostgreSQL backend ${holder.pid} (${holder.application_name || "no application name"}` +
      `${holder.seconds === null ? "" : `, in a transaction for ${holder.seconds} s`})`
    : "another session";
  return (
    `Waiting for the database's migration lock, held by ${who}: another Burrow is migrating this ` +
    "database, or one killed while migrating left PostgreSQL finishing its statement before rolling " +
    "it back. This start goes on once it is released" +
    (holder ? `; to end a killed one's now: SELECT pg_terminate_backend(${holder.pid});` : ".")
  );
}
