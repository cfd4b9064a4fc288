import assert from "node:assert/strict";
import { after, test } from "node:test";
import { migrate } from "../db/migrate.ts";
import { createTestDatabase } from "../testing/db.ts";
import { migrateOnly } from "../testing/migrations.ts";

// The log already holds rows of visitors who went away, counted as errors before the migration
// that stopped counting them: it takes them out of their minutes' counts, so the chart and the
// overview change for the past too, and deleting those rows later cannot take a minute below zero.
const MIGRATION = "20261208100000_visitor_aborts_not_errors";
const database = await createTestDatabase("abortsmig", undefined, { migrate: false });
after(() => database.drop());

test("upgrading takes the visitors who went away out of the error counts already kept", async () => {
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
      row("/sse", 200, "client_aborted"),
      row("/gone", 499, "client_aborted"),
      row("/down", 502, "local_unreachable"),
      row("/ok", 200, null),
    ],
  });
  const counts = () =>
    db.requestStat.findUniqueOrThrow({ where: { name_minute: { name: "old", minute: at } } });
  assert.equal((await counts()).errors, 3, "counted the old way before the upgrade");

  assert.deepEqual((await migrate(database.url)).applied.includes(MIGRATION), true);
  assert.deepEqual(await counts(), { name: "old", minute: at, requests: 4, errors: 1 });
  assert.equal(await db.requestLog.count({ where: { error: "client_aborted" } }), 2, "the rows stay");
  await db.requestLog.deleteMany({ where: { name: "old", path: { in: ["/sse", "/gone", "/ok"] } } });
  assert.deepEqual(await counts(), { name: "old", minute: at, requests: 1, errors: 1 });
});
