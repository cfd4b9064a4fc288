import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase } from "../testing/db.ts";
import { listenToRelayCommands } from "../testing/relay-commands.ts";
import {
  clearNameLog,
  clearRequestLog,
  countClearable,
  deleteRequest,
  emptyBodiesBatchSql,
} from "./clear.ts";

const database = await createTestDatabase("logclear");
const relay = await listenToRelayCommands(database.url);
after(async () => {
  await relay.close();
  await database.drop();
});
const { db } = database;

const owner = await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } });
const other = await db.user.create({ data: { email: "other@example.com", passwordHash: "x" } });
await db.reservation.create({ data: { name: "shop", userId: owner.id } });
await db.reservation.create({ data: { name: "blog", userId: other.id } });

const row = (name: string, i: number, kept: boolean) => ({
  name,
  method: "POST",
  path: `/form/${i}`,
  status: 200,
  durationMs: 1,
  clientIp: "198.51.100.4",
  requestBody: kept ? Buffer.from(`password=hunter${i}`) : null,
  responseBody: kept ? Buffer.from("ok") : null,
  responseBodyDecoded: kept ? Buffer.from("decoded") : null,
});
await db.requestLog.createMany({ data: Array.from({ length: 12 }, (_, i) => row("shop", i, i % 3 === 0)) });
await db.requestLog.createMany({ data: Array.from({ length: 3 }, (_, i) => row("blog", i, true)) });

const keptCount = (name: string) =>
  db.requestLog.count({
    where: {
      name,
      OR: [
        { requestBody: { not: null } },
        { responseBody: { not: null } },
        { responseBodyDecoded: { not: null } },
      ],
    },
  });

test("deleting kept bodies keeps the rows and empties only that name's bodies", async () => {
  assert.equal(await clearRequestLog(db, owner.id, "Shop", { what: "bodies" }), 4);
  assert.equal(await keptCount("shop"), 0);
  assert.equal(await db.requestLog.count({ where: { name: "shop" } }), 12);
  assert.equal(await keptCount("blog"), 3, "another name's bodies stay");
  assert.equal(await clearRequestLog(db, owner.id, "shop", { what: "bodies" }), 0, "nothing left to empty");
  // The relay hears it each time: requests under way and open connections lose what they kept.
  await sleep(200);
  assert.deepEqual(relay.commands.splice(0), [
    { type: "bodies-deleted", name: "shop" },
    { type: "bodies-deleted", name: "shop" },
  ]);
});

test("another user's name is not found, and a bad choice is explained; neither changes anything", async () => {
  await assert.rejects(clearRequestLog(db, owner.id, "blog", { what: "all" }), { code: "not_found" });
  await assert.rejects(clearRequestLog(db, owner.id, "shop", { what: "some" }), {
    message: /Choose the kept bodies or all requests/,
  });
  assert.equal(await db.requestLog.count({ where: { name: "blog" } }), 3);
  assert.equal(await db.requestLog.count({ where: { name: "shop" } }), 12);
  await sleep(200);
  assert.deepEqual(relay.commands.splice(0), [], "the relay hears of no deletion");
});

test("deleting one request removes that row only, and only from the owner's own log", async () => {
  const [first, second] = await db.requestLog.findMany({
    where: { name: "shop" },
    orderBy: { id: "asc" },
    take: 2,
  });
  const blog = await db.requestLog.findFirstOrThrow({ where: { name: "blog" } });
  await deleteRequest(db, owner.id, "SHOP", { id: String(first!.id) });
  assert.equal(await db.requestLog.count({ where: { id: first!.id } }), 0);
  assert.equal(await db.requestLog.count({ where: { id: second!.id } }), 1);
  await assert.rejects(deleteRequest(db, owner.id, "shop", { id: String(first!.id) }), {
    code: "not_found",
    message: "This request is no longer in the log",
  });
  // Another name's row through one's own name, and another user's name: not found, still there.
  await assert.rejects(deleteRequest(db, owner.id, "shop", { id: String(blog.id) }), { code: "not_found" });
  await assert.rejects(deleteRequest(db, owner.id, "blog", { id: String(blog.id) }), { code: "not_found" });
  await assert.rejects(deleteRequest(db, owner.id, "shop", { id: "1 OR 1=1" }), { code: "invalid_input" });
  assert.equal(await db.requestLog.count({ where: { id: blog.id } }), 1);
  assert.equal(await db.requestLog.count({ where: { name: "shop" } }), 11);
});

test("deleting all requests empties the name's log and only its log", async () => {
  assert.equal(await clearRequestLog(db, owner.id, "shop", { what: "all" }), 11);
  assert.equal(await db.requestLog.count({ where: { name: "shop" } }), 0);
  assert.equal(await db.requestLog.count({ where: { name: "blog" } }), 3);
  await sleep(200);
  assert.deepEqual(relay.commands.splice(0), [{ type: "bodies-deleted", name: "shop" }]);
});

test("a random name's log is its user's to delete, and nobody else's", async () => {
  await db.tunnelSession.create({
    data: { name: "r4nd0mn4me0001", userId: owner.id, clientIp: "198.51.100.4", randomName: true },
  });
  await db.requestLog.createMany({
    data: Array.from({ length: 2 }, (_, i) => row("r4nd0mn4me0001", i, false)),
  });
  await assert.rejects(clearRequestLog(db, other.id, "r4nd0mn4me0001", { what: "all" }), {
    code: "not_found",
  });
  assert.equal(await clearRequestLog(db, owner.id, "r4nd0mn4me0001", { what: "all" }), 2);
  assert.equal(await db.requestLog.count({ where: { name: "r4nd0mn4me0001" } }), 0);
  relay.commands.splice(0);
});

test("kept bodies are emptied down the log, each batch below the last: none reads again what was emptied", async () => {
  // 12,000 rows, bodies on every other one: 6,000 to empty, more than a batch (5,000).
  await db.$executeRaw`
    INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip, request_body)
    SELECT 'big', 'POST', '/b/' || g, 200, 1, '198.51.100.4', CASE WHEN g % 2 = 0 THEN '\\x6b'::bytea END
    FROM generate_series(1, 12000) AS g`;
  assert.equal(await clearNameLog(db, "big", "bodies"), 6_000);
  assert.equal(await keptCount("big"), 0);

  // Bodies again on the oldest 2,000 rows only, as if a batch had emptied the newer ones.
  const ids = await db.$queryRaw<
    { id: bigint }[]
  >`SELECT id FROM request_logs WHERE name = 'big' ORDER BY id`;
  const lowestEmptied = ids[2_000]!.id;
  await db.$executeRaw`UPDATE request_logs SET request_body = '\\x6b'::bytea WHERE name = 'big' AND id < ${lowestEmptied}`;
  await db.$executeRaw`ANALYZE request_logs`;
  const sql = emptyBodiesBatchSql("big", lowestEmptied);
  class Rollback extends Error {
    constructor(readonly plan: PlanNode) {
      super("rollback");
    }
  }
  const plan = await db
    .$transaction(async (tx) => {
      const [explained] = await tx.$queryRawUnsafe<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql.text}`,
        ...sql.values,
      );
      throw new Rollback(explained!["QUERY PLAN"][0]!.Plan);
    })
    .catch((error: unknown) => {
      if (error instanceof Rollback) return error.plan;
      throw error;
    });
  const read = (node: PlanNode): number =>
    (node["Relation Name"] === "request_logs"
      ? (node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0)
      : 0) + (node.Plans ?? []).reduce((sum, child) => sum + read(child), 0);
  // The 2,000 rows below, each met a few times (the floor's look, the pick, the update), never the
  // 10,000 emptied above them, which a batch looking from the start again read every time.
  assert.ok(read(plan) < 10_000, `read ${read(plan)} rows`);
  assert.equal(await keptCount("big"), 2_000, "rolled back");
});

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

test("deleting all requests goes oldest first, a batch above the last, so the newest rows stay quick to read", async () => {
  // Another name's 40,000 rows first, as in a shared table, then this one's 12,000.
  await db.$executeRaw`
    INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip)
    SELECT CASE WHEN g <= 40000 THEN 'elsewhere' ELSE 'every' END, 'GET', '/e/' || g, 200, 1, '198.51.100.4'
    FROM generate_series(1, 52000) AS g`;
  // Vacuumed, as a log that has been there a while is: its (name, id) index then answers alone.
  await db.$executeRawUnsafe("VACUUM ANALYZE request_logs");
  // Each DELETE statement on the log notes the ids it took (a statement trigger sees them all).
  await db.$executeRawUnsafe(`CREATE TABLE delete_batches (lowest bigint, highest bigint, rows bigint)`);
  await db.$executeRawUnsafe(`CREATE FUNCTION note_delete_batch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO delete_batches SELECT min(id), max(id), count(*) FROM gone; RETURN NULL; END $$`);
  await db.$executeRawUnsafe(`CREATE TRIGGER note_delete_batch AFTER DELETE ON request_logs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION note_delete_batch()`);
  try {
    assert.equal(await clearNameLog(db, "every", "all"), 12_000);
    assert.equal(await db.requestLog.count({ where: { name: "every" } }), 0);
    const batches = await db.$queryRaw<{ lowest: bigint | null; highest: bigint | null; rows: bigint }[]>`
      SELECT lowest, highest, rows FROM delete_batches WHERE rows > 0 ORDER BY ctid`;
    assert.deepEqual(
      batches.map((b) => Number(b.rows)),
      [5_000, 5_000, 2_000],
    );
    assert.ok(
      batches.every((b, i) => i === 0 || b.lowest! > batches[i - 1]!.highest!),
      "each batch above the last",
    );
  } finally {
    await db.$executeRawUnsafe(`DROP TRIGGER note_delete_batch ON request_logs`);
  }
});

test("the dry run of Delete all adds up the per-minute counts instead of counting a big log's rows", async () => {
  // 300,000 requests over three days, as a busy name logs them.
  await db.$executeRaw`
    INSERT INTO request_logs (name, at, method, path, status, duration_ms, client_ip)
    SELECT 'counted', now() - (g || ' seconds')::interval, 'GET', '/c/' || g, 200, 1, '198.51.100.4'
    FROM generate_series(1, 300000) AS g`;
  assert.equal(await countClearable(db, "counted", "all"), 300_000, "exact");
  assert.equal(await countClearable(db, "counted", "bodies"), 0);
  // The answer comes from request_stats (a few thousand rows), not from the log's 300,000: a minute
  // the log no longer has (as if its triggers had been bypassed) still counts.
  await db.requestStat.create({
    data: { name: "counted", minute: new Date("2020-01-01T00:00:00Z"), requests: 7, errors: 0 },
  });
  assert.equal(await countClearable(db, "counted", "all"), 300_007);
  await db.requestStat.deleteMany({ where: { name: "counted", minute: new Date("2020-01-01T00:00:00Z") } });
  assert.equal(await clearNameLog(db, "counted", "all"), 300_000);
  assert.equal(await countClearable(db, "counted", "all"), 0);
});
