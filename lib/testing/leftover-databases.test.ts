import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { after, test } from "node:test";
import pg from "pg";
import { testServerUrl } from "./db.ts";
import { commentSql, dropLeftoverTestDatabases, type Maker } from "./leftover-databases.ts";
import { withDatabase } from "./with-database.ts";

// Names of this file's own making only: the sweep below must not judge other files' databases.
const prefix = `burrow_test_sweep${randomBytes(3).toString("hex")}`;
const made: string[] = [];

function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  return withDatabase(testServerUrl(), work);
}

async function makeDatabase(label: string, maker: Maker | null): Promise<string> {
  const name = `${prefix}_${label}`;
  made.push(name);
  await withAdmin(async (admin) => {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    if (maker) await admin.query(commentSql(name, maker));
  });
  return name;
}

async function existing(): Promise<string[]> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname",
      [`${prefix}%`],
    );
    return rows.map((row) => row.datname);
  });
}

after(async () => {
  await withAdmin(async (admin) => {
    for (const name of made)
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  });
});

test("the databases of runs that stopped midway are dropped; those of runs still going, in use or not ours are kept", async () => {
  // A process that has ended: its pid no longer runs.
  const ended = spawnSync(process.execPath, ["-e", ""]).pid;
  const hourAgo = new Date(Date.now() - 3_600_000);
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  const here = hostname();

  const gone = await makeDatabase("gone", { host: here, pid: ended, at: hourAgo });
  const running = await makeDatabase("running", { host: here, pid: process.pid, at: twoDaysAgo });
  const farOld = await makeDatabase("farold", { host: "ci-runner-7", pid: 1, at: twoDaysAgo });
  const farRecent = await makeDatabase("farrecent", { host: "ci-runner-7", pid: 1, at: hourAgo });
  const unmarked = await makeDatabase("unmarked", null);
  const inUse = await makeDatabase("inuse", { host: here, pid: ended, at: hourAgo });

  const url = new URL(testServerUrl());
  url.pathname = `/${inUse}`;
  const user = new pg.Client({ connectionString: url.toString() });
  await user.connect();
  try {
    const dropped = await dropLeftoverTestDatabases(testServerUrl(), { pattern: `${prefix}%` });
    assert.deepEqual(dropped.sort(), [farOld, gone].sort());
    assert.deepEqual(await existing(), [farRecent, inUse, running, unmarked].sort());
  } finally {
    await user.end();
  }
  // Once nothing uses it, the one whose run ended goes too.
  assert.deepEqual(await dropLeftoverTestDatabases(testServerUrl(), { pattern: `${prefix}%` }), [inUse]);
});
