import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createTestDatabase } from "../testing/db.ts";
import { deleteRequestLogsBefore, requestLogStorage, retentionCutoff } from "./retention.ts";

const database = await createTestDatabase("retention");
after(() => database.drop());
const { db } = database;

const DAY = 24 * 60 * 60 * 1000;
const row = (name: string, daysAgo: number, path: string) => ({
  name,
  at: new Date(Date.now() - daysAgo * DAY),
  method: "GET",
  path,
  status: 200,
  durationMs: 1,
  clientIp: "198.51.100.4",
});

test("retentionCutoff: N days back from now, none for 0 (keep forever)", () => {
  const now = new Date("2026-12-02T12:00:00Z");
  assert.deepEqual(retentionCutoff(30, now), new Date("2026-11-02T12:00:00Z"));
  assert.equal(retentionCutoff(0, now), undefined);
});

test("deletes every row older than the cutoff, of every name, in batches, and keeps the rest", async () => {
  // 7 old rows of "shop" (more than two batches of 3), 2 of "blog", and recent rows of both; a name
  // with only recent rows.
  await db.requestLog.createMany({
    data: [
      ...Array.from({ length: 7 }, (_, i) => row("shop", 40 + i, `/old/${i}`)),
      row("blog", 31, "/old/a"),
      row("blog", 90, "/old/b"),
      row("shop", 29, "/kept/edge"),
      row("shop", 0, "/kept/now"),
      row("blog", 1, "/kept/yesterday"),
      row("fresh", 0, "/kept/fresh"),
    ],
  });
  const deleted = await deleteRequestLogsBefore(db, retentionCutoff(30)!, { batchSize: 3 });
  assert.equal(deleted, 9);
  const left = await db.requestLog.findMany({ select: { name: true, path: true }, orderBy: { path: "asc" } });
  assert.deepEqual(left, [
    { name: "shop", path: "/kept/edge" },
    { name: "fresh", path: "/kept/fresh" },
    { name: "shop", path: "/kept/now" },
    { name: "blog", path: "/kept/yesterday" },
  ]);
  assert.equal(
    await deleteRequestLogsBefore(db, retentionCutoff(30)!, { batchSize: 3 }),
    0,
    "a second pass finds nothing",
  );
});

test("an aborted signal stops between batches, keeping the rest for the next run", async () => {
  await db.requestLog.createMany({
    data: Array.from({ length: 6 }, (_, i) => row("backlog", 60 + i, `/backlog/${i}`)),
  });
  const stop = new AbortController();
  stop.abort();
  assert.equal(
    await deleteRequestLogsBefore(db, retentionCutoff(30)!, { batchSize: 2, signal: stop.signal }),
    0,
  );
  assert.equal(await db.requestLog.count({ where: { name: "backlog" } }), 6);
  assert.equal(await deleteRequestLogsBefore(db, retentionCutoff(30)!, { batchSize: 2 }), 6);
});

test("storage: rows, bytes on disk and the oldest row kept, for the admin page", async () => {
  await db.requestLog.deleteMany();
  const empty = await requestLogStorage(db);
  assert.deepEqual([empty.rows, empty.rowsExact, empty.oldestAt], [0, true, null]);
  await db.requestLog.createMany({ data: [row("shop", 3, "/first"), row("shop", 1, "/second")] });
  const storage = await requestLogStorage(db);
  assert.equal(storage.rows, 2);
  assert.ok(storage.bytes > 0);
  assert.equal(
    storage.oldestAt?.getTime(),
    (await db.requestLog.findFirst({ where: { path: "/first" } }))?.at.getTime(),
  );
});
