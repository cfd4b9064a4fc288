import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { AppError } from "../errors.ts";
import { createTestDatabase } from "../testing/db.ts";
import { defaultMigrationsDir, migrate } from "./migrate.ts";

const database = await createTestDatabase("migrate");
after(() => database.drop());

test("migrations are recorded in Prisma's table and applying again is a no-op", async () => {
  const again = await migrate(database.url);
  assert.deepEqual(again.applied, []);
  assert.ok(again.alreadyApplied >= 1);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const rows = await client.query(`SELECT migration_name, checksum FROM "_prisma_migrations"`);
    assert.equal(rows.rowCount, again.alreadyApplied);
    assert.match(rows.rows[0].checksum, /^[0-9a-f]{64}$/);
  } finally {
    await client.end();
  }
});

test("the migrated database serves every model of the Prisma schema", async () => {
  const { db } = database;
  const user = await db.user.create({ data: { email: "a@example.com", passwordHash: "x" } });
  assert.equal("passwordHash" in user, false, "hashes are omitted by default");
  await db.webSession.create({ data: { userId: user.id, expiresAt: new Date() } });
  const key = await db.sshKey.create({
    data: {
      userId: user.id,
      label: "l",
      algorithm: "ssh-ed25519",
      bits: 256,
      publicKey: "k",
      fingerprint: "SHA256:x",
    },
  });
  const reservation = await db.reservation.create({ data: { name: "myapp", userId: user.id } });
  const link = await db.shareLink.create({
    data: { reservationId: reservation.id, label: "l", tokenHash: "h" },
  });
  await db.shareLinkUse.create({ data: { shareLinkId: link.id, confirmationHash: "c", usedAt: new Date() } });
  const session = await db.tunnelSession.create({
    data: {
      name: "myapp",
      reservationId: reservation.id,
      userId: user.id,
      sshKeyId: key.id,
      clientIp: "127.0.0.1",
    },
  });
  const log = await db.requestLog.create({
    data: {
      name: "myapp",
      sessionId: session.id,
      method: "GET",
      path: "/",
      status: 200,
      durationMs: 0.5,
      clientIp: "127.0.0.1",
      admission: "SHARE_LINK",
      shareLinkId: link.id,
    },
  });
  assert.equal(typeof log.id, "bigint");
  await db.relayHeartbeat.create({
    data: {
      id: "r",
      startedAt: new Date(),
      seenAt: new Date(),
      hostKeyFingerprint: "SHA256:x",
      sshPort: 1,
      httpPort: 2,
      tunnels: 0,
      requestsPerMinute: 0,
    },
  });
  const deletion = await db.logDeletion.create({
    data: { name: "myapp", kind: "all", requestedAt: new Date(), upToId: log.id, total: 1 },
  });
  assert.equal(deletion.cursorId, 0n);
  await db.user.delete({ where: { id: user.id } });
  assert.equal(await db.requestLog.count(), 1, "request logs outlive their session's owner");
  assert.equal(await db.tunnelSession.count(), 0);
  assert.equal(await db.shareLinkUse.count(), 0, "confirmations die with their link");
  assert.equal(await db.webSession.count(), 0, "signing in dies with the account");
});

test("a database migrated by a newer Burrow is refused before anything is applied", async () => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const dir = await mkdtemp(join(tmpdir(), "burrow-migrations-"));
  try {
    // This version's migrations and one it has not applied yet; the database has one it lacks.
    await cp(defaultMigrationsDir, dir, { recursive: true });
    await mkdir(join(dir, "29991230000000_pending"));
    await writeFile(
      join(dir, "29991230000000_pending", "migration.sql"),
      `CREATE TABLE "pending_probe" (id int);`,
    );
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES ('future', $1, '29991231000000_from_a_newer_burrow', now(), 1)`,
      ["0".repeat(64)],
    );
    await assert.rejects(migrate(database.url, dir), (error: Error) => {
      assert.ok(error instanceof AppError);
      assert.match(
        error.message,
        /^This database was migrated by a newer Burrow: it has migration 29991231000000_from_a_newer_burrow, which this version does not have\. Nothing was changed\./,
      );
      assert.match(error.message, /git pull && npm install && npm start/);
      return true;
    });
    const probe = await client.query(`SELECT to_regclass('pending_probe') AS t`);
    assert.equal(probe.rows[0].t, null, "the pending migration was not applied");
  } finally {
    await client.query(`DELETE FROM "_prisma_migrations" WHERE id = 'future'`);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a command with nothing to migrate goes on while another holds the migration lock, and says nothing", async () => {
  // Two CLI commands at once: each checks that nothing is to migrate, holding the lock for moments.
  const other = new pg.Client({ connectionString: database.url });
  await other.connect();
  try {
    await other.query("SELECT pg_advisory_lock(72707369)");
    const notes: string[] = [];
    const result = await migrate(database.url, defaultMigrationsDir, { note: (line) => notes.push(line) });
    assert.deepEqual(result.applied, []);
    assert.deepEqual(notes, []);
  } finally {
    await other.end();
  }
});

test("a migration killed halfway is applied whole by the next run, which says what it waits for", async () => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-migrations-"));
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await cp(defaultMigrationsDir, dir, { recursive: true });
    // As a backfill of a large request log: the work is done before the slow part ends.
    await mkdir(join(dir, "29991230000000_slow"));
    await writeFile(
      join(dir, "29991230000000_slow", "migration.sql"),
      `CREATE TABLE "slow_first" (id int); SELECT pg_sleep(8); CREATE TABLE "slow_second" (id int);`,
    );
    const runner = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { migrate } from ${JSON.stringify(join(import.meta.dirname, "migrate.ts"))};
         await migrate(${JSON.stringify(database.url)}, ${JSON.stringify(dir)});`,
      ],
      { stdio: "ignore" },
    );
    const running = async () =>
      (
        await client.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'burrow-migrate' AND query LIKE '%pg_sleep%'`,
        )
      ).rowCount;
    while (!(await running())) await new Promise((resolve) => setTimeout(resolve, 50));
    runner.kill("SIGKILL");

    const notes: string[] = [];
    const result = await migrate(database.url, dir, { note: (line) => notes.push(line) });
    assert.match(
      notes[0] ?? "",
      /^Waiting for the database's migration lock, held by PostgreSQL backend \d+ \(burrow-migrate, in a transaction for \d+ s\): .*one killed while migrating.*SELECT pg_terminate_backend\(\d+\);$/,
    );
    assert.match(notes[1] ?? "", /^Upgrading the database: 1 migration to apply, each in one transaction/);
    assert.deepEqual(result.applied, ["29991230000000_slow"]);
    const tables = await client.query(
      `SELECT to_regclass('slow_first') IS NOT NULL AS first, to_regclass('slow_second') IS NOT NULL AS second`,
    );
    assert.deepEqual(tables.rows[0], { first: true, second: true });
  } finally {
    await client.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = '29991230000000_slow'`);
    await client.query(`DROP TABLE IF EXISTS "slow_first", "slow_second"`);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a migration that fails says it was undone, and nothing of it stays", async () => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-migrations-"));
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await cp(defaultMigrationsDir, dir, { recursive: true });
    await mkdir(join(dir, "29991230000000_broken"));
    await writeFile(
      join(dir, "29991230000000_broken", "migration.sql"),
      `CREATE TABLE "broken_first" (id int); ALTER TABLE "no_such_table" ADD COLUMN x int;`,
    );
    await assert.rejects(migrate(database.url, dir), (error: Error) => {
      assert.ok(error instanceof AppError);
      assert.equal(
        error.message,
        `Migration 29991230000000_broken failed: relation "no_such_table" does not exist. It was undone ` +
          "(one transaction), so the database is as it was before this migration, and the next start tries it again.",
      );
      return true;
    });
    const probe = await client.query(`SELECT to_regclass('broken_first') AS t`);
    assert.equal(probe.rows[0].t, null);
  } finally {
    await client.end();
    await rm(dir, { recursive: true, force: true });
  }
});

test("with upgrade: false an older Burrow's database is left as it is, and an empty one is set up", async () => {
  const older = await createTestDatabase("migrate_older", undefined, { migrate: false });
  const dir = await mkdtemp(join(tmpdir(), "burrow-migrations-"));
  const client = new pg.Client({ connectionString: older.url });
  try {
    // The older Burrow's migrations: all but the newest.
    const names = (await readdir(defaultMigrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const name of names.slice(0, -1)) {
      await cp(join(defaultMigrationsDir, name), join(dir, name), { recursive: true });
    }
    await migrate(older.url, dir);
    const notes: string[] = [];
    const left = await migrate(older.url, defaultMigrationsDir, {
      upgrade: false,
      note: (line) => notes.push(line),
    });
    assert.deepEqual(left, { applied: [], alreadyApplied: names.length - 1, pending: names.slice(-1) });
    assert.deepEqual(notes, [], "no upgrade is announced");
    await client.connect();
    const recorded = await client.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    assert.equal(recorded.rows[0].n, names.length - 1, "nothing was applied");

    const empty = await createTestDatabase("migrate_empty", undefined, { migrate: false });
    try {
      const fresh = await migrate(empty.url, defaultMigrationsDir, { upgrade: false });
      assert.deepEqual(fresh.applied, names, "a database with no Burrow tables gets them all");
      assert.deepEqual(fresh.pending, []);
    } finally {
      await empty.drop();
    }
  } finally {
    await client.end();
    await older.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
