import assert from "node:assert/strict";
import { after, test } from "node:test";
import { migrate } from "../db/migrate.ts";
import { createTestDatabase } from "../testing/db.ts";
import { migrateOnly } from "../testing/migrations.ts";

// Replays Burrow stopped reading (Send again of an event stream) were counted as errors: the
// migration that stops counting them takes those already logged out of their minutes' counts, so
// the chart and the overview change for the past too, and deleting them later cannot go below zero.
const MIGRATION = "20261211100000_replay_stopped_not_error";
const database = await createTestDatabase("replaystopmig", undefined, { migrate: false });
after(() => database.drop());

test("upgrading takes the replays Burrow stopped out of the error counts already kept", async () => {
  await migrateOnly(database.url, (name) => name < MIGRATION);
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
