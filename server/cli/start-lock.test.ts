import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { freePort } from "../../lib/db/embedded.ts";
import { loadEnv } from "../../lib/env.ts";
import { CONTROL_APPLICATION_NAME, type RelayLockHolder } from "../../lib/relay-lock-holder.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { relayLockHolder } from "../control/relay-lock.ts";
import { bootRelay } from "./runtime.ts";
import { Teardown } from "./teardown.ts";
import { cliArgs, runCli, testEnvironment } from "./testing/run-cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "burrow-start-lock-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** lib/db/migrate.ts's advisory lock: held by the test, it keeps a starting relay in its migration. */
const MIGRATE_LOCK_KEY = 72707369;

async function relayEnv(databaseUrl: string) {
  return {
    PATH: process.env.PATH,
    HOME: scratch,
    DATABASE_URL: databaseUrl,
    BURROW_DATA_DIR: mkdtempSync(join(scratch, "data-")),
    BURROW_LISTEN_HOST: "127.0.0.1",
    BURROW_DOMAIN: "burrow.test",
    BURROW_SSH_PORT: String(await freePort()),
    BURROW_HTTP_PORT: String(await freePort()),
  };
}

/** A connection of the test's own to look at the database with. */
async function watch(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A connection lost while a failing test ends must not end the whole file with an unhandled error.
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a starting relay holds its database from before it migrates until it stops, on the connection it then listens on: a second relay started meanwhile is refused", async (t) => {
  const database = await createTestDatabase("start_lock", undefined, { migrate: false });
  const watcher = await watch(database.url);
  t.after(async () => {
    await watcher.end();
    await database.drop();
  });
  // Another start's migration under way: the relay waits in its own migration, the window in
  // which a second relay could take the database if the first had let go of it after its check.
  await watcher.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK_KEY]);

  const child = spawn(process.execPath, cliArgs(["relay"]), {
    env: testEnvironment(await relayEnv(database.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));

  await until(async () => {
    assert.equal(child.exitCode, null, output);
    const waiting = await watcher.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = 'burrow-migrate' AND wait_event_type = 'Lock'",
    );
    return waiting.rowCount ? true : undefined;
  }, "the relay to wait in its migration");
  const whileMigrating = await relayLockHolder(watcher);
  assert.ok(whileMigrating, "no relay held the database while the first one migrated");
  assert.equal(whileMigrating.pid, child.pid);
  assert.ok(whileMigrating.applicationName.startsWith(`${CONTROL_APPLICATION_NAME} `));

  const second = await runCli(["relay"], { env: await relayEnv(database.url), timeoutMs: 60_000 });
  assert.equal(second.code, 1, second.stderr);
  assert.match(
    second.stderr,
    new RegExp(`^burrow relay: Another Burrow relay \\(pid ${child.pid} on ${hostname()}, `, "m"),
  );
  assert.doesNotMatch(second.stderr, /Applied migration|Relay running/);
  // A long migration: the held session keeps answering, or a relay starting beside it would take
  // it for gone once silent for 30 s (LOCK_STALE_MS), end it and take the database.
  const since = whileMigrating.since?.getTime() ?? Date.now();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + 12_500 - Date.now())));
  const later = await relayLockHolder(watcher);
  assert.equal(later?.backendPid, whileMigrating.backendPid);
  assert.ok(
    later.silentMs !== undefined && later.silentMs < Date.now() - since - 5_000,
    `the held session ran nothing since it took the lock (silent ${later.silentMs} ms)`,
  );

  await watcher.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK_KEY]);
  await until(async () => {
    assert.equal(child.exitCode, null, output);
    return output.includes("Relay running") ? true : undefined;
  }, "the relay to run");
  // Taken once: the session that held the lock while migrating is the one listening for commands.
  const running: RelayLockHolder | undefined = await relayLockHolder(watcher);
  assert.equal(running?.backendPid, whileMigrating.backendPid, "the lock moved to another session");
  const activity = await watcher.query<{ query: string }>(
    "SELECT query FROM pg_stat_activity WHERE pid = $1",
    [whileMigrating.backendPid],
  );
  assert.match(activity.rows[0]?.query ?? "", /^(LISTEN |SELECT 1$)/);

  child.kill("SIGTERM");
  assert.equal(await exited, 0, output);
  assert.equal(await relayLockHolder(watcher), undefined, "stopped: the database is free");
});

test("a start that fails after taking the database (a migration that fails) lets go of it", async (t) => {
  const database = await createTestDatabase("start_lock_fail", undefined, { migrate: false });
  const watcher = await watch(database.url);
  t.after(async () => {
    await watcher.end();
    await database.drop();
  });
  // The first migration creates this type: it fails, after the relay took the lock.
  await watcher.query(`CREATE TYPE "user_role" AS ENUM ('SOMETHING_ELSE')`);

  const notes: string[] = [];
  const teardown = new Teardown((line) => notes.push(line));
  const env = loadEnv(await relayEnv(database.url));
  await assert.rejects(
    bootRelay(env, { teardown, signal: new AbortController().signal, note: (line) => notes.push(line) }),
    /user_role/,
  );
  assert.ok(await relayLockHolder(watcher), "the lock was held when the migration failed");
  await teardown.run();
  assert.deepEqual(notes, []);
  assert.equal(await relayLockHolder(watcher), undefined, "the failed start still holds the database");
});
