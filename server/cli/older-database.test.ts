import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { defaultMigrationsDir, migrate } from "../../lib/db/migrate.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { resolveDatabase } from "./database.ts";
import { runCli } from "./testing/run-cli.ts";

/**
 * Commands other than migrate, start and relay on a database they would have to migrate: an empty
 * one is set up (a fresh install), an older Burrow's is refused, changing nothing.
 */
const scratch = mkdtempSync(join(tmpdir(), "burrow-older-database-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const migrations = readdirSync(defaultMigrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
/** An older Burrow's migrations: all but this version's last two. */
const olderMigrations = mkdtempSync(join(scratch, "migrations-"));
for (const name of migrations.slice(0, -2)) {
  cpSync(join(defaultMigrationsDir, name), join(olderMigrations, name), { recursive: true });
}

function cliEnv(more: Record<string, string>) {
  return { PATH: process.env.PATH, HOME: scratch, BURROW_DATA_DIR: join(scratch, "data"), ...more };
}

async function appliedCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    return rows.rows[0].n;
  } finally {
    await client.end();
  }
}

/** An expected refusal: exit 1, exactly one line on stderr, no stack trace. */
function assertRefused(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  assert.match(result.stderr.trimEnd(), pattern);
}

test("a read-only command on a database an older Burrow migrated refuses in one line and changes nothing; migrate upgrades it", async (t) => {
  const older = await createTestDatabase("cli_older", undefined, { migrate: false });
  t.after(() => older.drop());
  await migrate(older.url, olderMigrations);
  const env = cliEnv({ DATABASE_URL: older.url });

  const listed = await runCli(["user", "list"], { env });
  assertRefused(
    listed,
    /^burrow user list: This database was migrated by an older Burrow \(2 migrations pending\)\. Nothing was changed: stop every Burrow using this DATABASE_URL, then run npm run burrow -- migrate \(or npm start\)$/,
  );
  assert.equal(await appliedCount(older.url), migrations.length - 2, "nothing was applied");
  assert.equal(listed.stdout, "");
  // Reading a log too: `burrow logs` sets up its database itself.
  const logs = await runCli(["logs", "myapp"], { env });
  assertRefused(logs, /^burrow logs: This database was migrated by an older Burrow \(2 migrations pending\)/);
  assert.equal(await appliedCount(older.url), migrations.length - 2, "nothing was applied");

  // What the message says to do: migrate says it is upgrading, then the command works.
  const migrated = await runCli(["migrate"], { env });
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stderr, /^Upgrading the database: 2 migrations to apply, each in one transaction/);
  assert.match(migrated.stdout, /Applied 2 migration\(s\)/);
  const again = await runCli(["user", "list"], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, "");
  assert.match(again.stdout, /^No accounts yet/);
});

test("status on a database an older Burrow migrated says how many migrations are pending, changing nothing", async (t) => {
  const older = await createTestDatabase("cli_older_status", undefined, { migrate: false });
  t.after(() => older.drop());
  await migrate(older.url, olderMigrations);
  const env = cliEnv({ DATABASE_URL: older.url });

  const said = await runCli(["status"], { env });
  assert.match(
    said.stdout,
    /^This database was migrated by an older Burrow: 2 migrations pending\. Stop every Burrow using it, then run npm run burrow -- migrate \(or npm start\)$/m,
  );
  const json = await runCli(["status", "--json"], { env });
  const found = JSON.parse(json.stdout) as {
    database: { pendingMigrations: number; unknownMigrations: number };
  };
  assert.equal(found.database.pendingMigrations, 2);
  assert.equal(found.database.unknownMigrations, 0);
  assert.equal(await appliedCount(older.url), migrations.length - 2, "nothing was applied");

  // Up to date: nothing said about migrations.
  assert.equal((await runCli(["migrate"], { env })).code, 0);
  const current = await runCli(["status", "--json"], { env });
  assert.equal((JSON.parse(current.stdout) as typeof found).database.pendingMigrations, 0);
  assert.doesNotMatch((await runCli(["status"], { env })).stdout, /migrated by/);
});

test("a command on a database with no Burrow tables sets it up, as on a fresh install", async (t) => {
  const empty = await createTestDatabase("cli_empty", undefined, { migrate: false });
  t.after(() => empty.drop());
  const added = await runCli(["user", "add", "first@example.com"], {
    env: cliEnv({ DATABASE_URL: empty.url, BURROW_PASSWORD: "correct horse battery" }),
  });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^Created first@example\.com \(admin\)/);
  assert.equal(await appliedCount(empty.url), migrations.length);
});

test("a database a newer Burrow migrated is still refused by a read-only command", async (t) => {
  const newer = await createTestDatabase("cli_newer");
  t.after(() => newer.drop());
  const client = new pg.Client({ connectionString: newer.url });
  await client.connect();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
     VALUES ('future', $1, '29991231000000_from_a_newer_burrow', now(), 1)`,
    ["0".repeat(64)],
  );
  await client.end();
  assertRefused(
    await runCli(["user", "list"], { env: cliEnv({ DATABASE_URL: newer.url }) }),
    /^burrow user list: This database was migrated by a newer Burrow: it has migration 29991231000000_from_a_newer_burrow, which this version does not have\. Nothing was changed\./,
  );
});

test("the embedded database an older Burrow left in the data dir is refused too, saying to migrate it", async () => {
  // The embedded server runs as the `postgres` OS user when we are root: it must reach the dir.
  await chmod(scratch, 0o755);
  const dataDir = join(scratch, "data-embedded");
  // As an older Burrow left it: started, migrated with what it knew, stopped.
  const embedded = await resolveDatabase({ DATABASE_URL: undefined, BURROW_DATA_DIR: dataDir });
  try {
    await migrate(embedded.url, olderMigrations);
  } finally {
    await embedded.release();
  }
  const env = cliEnv({ BURROW_DATA_DIR: dataDir });
  const listed = await runCli(["name", "list"], { env });
  assert.equal(listed.code, 1, listed.stderr);
  assert.match(
    listed.stderr,
    /^burrow name list: This database was migrated by an older Burrow \(2 migrations pending\)\. Nothing was changed: run npm run burrow -- migrate \(or npm start\)$/m,
  );
  const migrated = await runCli(["migrate"], { env });
  assert.equal(migrated.code, 0, migrated.stderr);
  const again = await runCli(["name", "list"], { env });
  assert.equal(again.code, 0, again.stderr);
});
