import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestRelay, type TestRelay } from "./testing/harness.ts";

const DAY = 24 * 60 * 60 * 1000;

let t: TestRelay;
before(async () => {
  // Retention of 7 days, run soon after start (what `burrow start` does a minute in) and often: a
  // first run before the test's rows are in (a slow machine) must not leave them for an hour.
  t = await startTestRelay(
    { BURROW_LOG_RETENTION_DAYS: "7" },
    { logRetention: { firstRunMs: 300, intervalMs: 500 } },
  );
});
after(() => t.close());

test("the relay deletes request logs older than BURROW_LOG_RETENTION_DAYS and keeps newer ones", async () => {
  await t.db.requestLog.createMany({
    data: [8, 30, 6, 0].map((daysAgo) => ({
      name: "kept-a-week",
      at: new Date(Date.now() - daysAgo * DAY),
      method: "GET",
      path: `/${daysAgo}-days-ago`,
      status: 200,
      durationMs: 1,
      clientIp: "198.51.100.4",
    })),
  });
  await t.waitFor(
    async () => (await t.db.requestLog.count({ where: { name: "kept-a-week" } })) === 2,
    "rows past 7 days to be deleted",
  );
  const left = await t.db.requestLog.findMany({ where: { name: "kept-a-week" }, orderBy: { at: "asc" } });
  assert.deepEqual(
    left.map((r) => r.path),
    ["/6-days-ago", "/0-days-ago"],
  );
});

test("BURROW_LOG_RETENTION_DAYS=0 keeps request logs forever", async () => {
  const keeper = await startTestRelay(
    { BURROW_LOG_RETENTION_DAYS: "0" },
    { logRetention: { firstRunMs: 0, intervalMs: 100 } },
  );
  try {
    await keeper.db.requestLog.create({
      data: {
        name: "forever",
        at: new Date(Date.now() - 3650 * DAY),
        method: "GET",
        path: "/ten-years-ago",
        status: 200,
        durationMs: 1,
        clientIp: "198.51.100.4",
      },
    });
    await sleep(500);
    assert.equal(await keeper.db.requestLog.count({ where: { name: "forever" } }), 1);
  } finally {
    await keeper.close();
  }
});
