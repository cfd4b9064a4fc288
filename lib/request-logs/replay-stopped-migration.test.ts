import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { defaultMigrationsDir, migrate } from "../db/migrate.ts";
import { createTestDatabase } from "../testing/db.ts";

// Replays Burrow stopped reading (Send again of an event stream) were counted as errors: the
// migration that stops counting them takes those already logged out of their minutes' counts, so
// the chart and the overview change for the past too, and deleting them later cannot go below zero.
const MIGRATION = "20261211100000_replay_stopped_not_error";
const database = await createTestDatabase("replaystopmig", undefined, { migrate: false });
const before = mkdtempSync(join(tmpdir(), "burrow-migrations-"));
after(async () => {
  await database.drop();
  rmSync(before, { recursive: true, force: true });
});

test("upgrading takes the replays Burrow stopped out of the error counts already kept", async () => {
  for (const name of readdirSync(defaultMigrationsDir))
    if (name < MIGRATION) cpSync(join(defaultMigrationsDir, name), join(before, name), { recursive: true });
  await migrate(database.url, before);
  const { db } = database;
  const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000);
  const row = (path: string, status: number, error: string | null) => ({
    name: "old",
    at,
    method: "GET",
    path,
    status,
    error,
    durationMs: 1,
    clientIp: "198.51.100.4",
  });
  await db.requestLog.createMany({
    data: [
      row("/sse", 200, "replay_stopped"),
      row("/slow", 504, "replay_stopped"),
      row("/short", 200, "upstream_aborted"),
      row("/ok", 200, null),
    ],
  });
  const counts = () =>
    db.requestStat.findUniqueOrThrow({ where: { name_minute: { name: "old", minute: at } } });
  assert.equal((await counts()).errors, 3, "counted the old way before the upgrade");

  assert.equal((await migrate(database.url)).applied.includes(MIGRATION), true);
  assert.deepEqual(await counts(), { name: "old", minute: at, requests: 4, errors: 2 });
  assert.equal(await db.requestLog.count({ where: { error: "replay_stopped" } }), 2, "the rows stay");
  await db.requestLog.deleteMany({ where: { name: "old", path: { in: ["/sse", "/ok"] } } });
  assert.deepEqual(await counts(), { name: "old", minute: at, requests: 2, errors: 2 });
});
