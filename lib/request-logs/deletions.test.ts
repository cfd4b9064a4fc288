import assert from "node:assert/strict";
import { after, test } from "node:test";
import { isNameAvailable, releaseName, reserveName } from "../names/service.ts";
import { createTestDatabase } from "../testing/db.ts";
import {
  finishLogDeletion,
  type LogDeletionState,
  logDeletionOf,
  releasesOf,
  resumeLogDeletions,
  runLogDeletion,
  startLogDeletion,
} from "./deletions.ts";

const database = await createTestDatabase("logdeletions");
after(() => database.drop());
const { db } = database;

/** `rows` requests of `name`, the last `rows` seconds before `end`: one statement, as a busy name's. */
async function logRequests(name: string, rows: number, end = new Date()): Promise<void> {
  await db.$executeRaw`
    INSERT INTO request_logs (name, at, method, path, status, duration_ms, client_ip)
    SELECT ${name}, ${end}::timestamp - (g || ' seconds')::interval, 'GET', '/r/' || g, 200, 1, '198.51.100.4'
    FROM generate_series(1, ${rows}) AS g`;
}

const count = (name: string) => db.requestLog.count({ where: { name } });

test("Delete all of a big log is asked for at once, then deleted in batches with its progress counted; requests logged since stay", async () => {
  await logRequests("busy", 400_000);
  const asked = await startLogDeletion(db, "busy", "all");
  // Asking reads the per-minute counts, deletes nothing: the dashboard's action returns at once.
  assert.equal(asked.total, 400_000);
  assert.equal(asked.deleted, 0);
  assert.equal(asked.finishedAt, null);
  assert.equal(await count("busy"), 400_000);
  // Asked again while under way (a second click, the CLI): the same deletion, not a new one.
  assert.deepEqual(await startLogDeletion(db, "busy", "all"), asked);
  // A request logged after Delete all stays; one the relay logged before it but wrote after (its
  // queue, a database outage) goes.
  await db.requestLog.create({
    data: { name: "busy", method: "GET", path: "/after", status: 200, durationMs: 1, clientIp: "::1" },
  });
  await db.requestLog.create({
    data: {
      name: "busy",
      at: new Date(asked.requestedAt.getTime() - 5_000),
      method: "GET",
      path: "/late-write",
      status: 200,
      durationMs: 1,
      clientIp: "::1",
    },
  });
  const seen: LogDeletionState[] = [];
  const done = await runLogDeletion(db, "busy", { batchSize: 50_000, onProgress: (s) => seen.push(s) });
  assert.ok(done?.finishedAt, "finished");
  assert.equal(done.deleted, 400_001, "the 400,000 and the late write");
  const underWay = seen.filter((s) => s.finishedAt === null).map((s) => s.deleted);
  assert.deepEqual(
    [...new Set(underWay)],
    Array.from({ length: 8 }, (_, i) => (i + 1) * 50_000),
    "progress after every batch, as the page shows it",
  );
  const left = await db.requestLog.findMany({ where: { name: "busy" }, select: { path: true } });
  assert.deepEqual(
    left.map((r) => r.path),
    ["/after"],
  );
  assert.equal(await runLogDeletion(db, "busy"), null, "nothing more to do");
  assert.equal((await logDeletionOf(db, "busy"))?.deleted, 400_001);
});

test("a deletion whose process stopped mid-way is taken over once its lease runs out, and goes on where it stopped", async () => {
  await logRequests("crashy", 30_000);
  await startLogDeletion(db, "crashy", "all");
  // A worker deletes two batches, then its process dies: its lease stays on the row.
  const stop = new AbortController();
  let batches = 0;
  await runLogDeletion(db, "crashy", {
    batchSize: 5_000,
    onProgress: () => {
      batches += 1;
      if (batches === 2) stop.abort();
    },
    signal: stop.signal,
  });
  await db.logDeletion.update({
    where: { name: "crashy" },
    data: { leaseOwner: "dead-process", leaseUntil: new Date(Date.now() + 60_000) },
  });
  assert.equal(await count("crashy"), 20_000);
  // While the lease holds, nobody else starts on it (the relay's check, a page, the CLI).
  assert.equal(await resumeLogDeletions(db), 0);
  assert.equal(await runLogDeletion(db, "crashy"), null);
  assert.equal(await count("crashy"), 20_000);
  // Once it has run out, the relay's periodic check finishes it, counting each row once.
  await db.logDeletion.update({ where: { name: "crashy" }, data: { leaseUntil: new Date(Date.now() - 1) } });
  assert.equal(await resumeLogDeletions(db), 1);
  assert.equal(await count("crashy"), 0);
  const done = await logDeletionOf(db, "crashy");
  assert.equal(done?.deleted, 30_000);
  assert.ok(done?.finishedAt);
});

test("a released name's log goes in the background, and nobody may reserve the name until it is gone", async () => {
  const ann = await db.user.create({ data: { email: "ann@example.com", passwordHash: "x" } });
  const bob = await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } });
  await reserveName(db, ann.id, "shop", { maxNames: 3 });
  await logRequests("shop", 100_000);
  const releasing = await releaseName(db, ann.id, "shop");
  // Released at once: the name left ann's names; its log is still there, being deleted.
  assert.equal(releasing.kind, "release");
  assert.equal(releasing.total, 100_000);
  assert.equal(await db.reservation.count({ where: { name: "shop" } }), 0);
  assert.equal(await count("shop"), 100_000);
  assert.deepEqual(
    (await releasesOf(db, ann.id)).map((r) => [r.name, r.finishedAt]),
    [["shop", null]],
    "ann's names page shows it",
  );
  // Reserved now, bob's log would show ann's visitors: refused, saying why, for ann too.
  const refusal = /shop is being released: its old request log is still being deleted/;
  assert.match((await isNameAvailable(db, "shop", bob.id)).message ?? "", refusal);
  await assert.rejects(reserveName(db, bob.id, "shop", { maxNames: 3 }), {
    code: "conflict",
    message: refusal,
  });
  await assert.rejects(reserveName(db, ann.id, "shop", { maxNames: 3 }), {
    code: "conflict",
    message: refusal,
  });
  // Delete all asked for meanwhile (the CLI's) joins the release rather than ending the hold.
  assert.equal((await startLogDeletion(db, "shop", "all")).kind, "release");

  await finishLogDeletion(db, "shop");
  assert.equal(await count("shop"), 0);
  assert.deepEqual(await isNameAvailable(db, "shop", bob.id), { available: true });
  await reserveName(db, bob.id, "shop", { maxNames: 3 });
  const [done] = await releasesOf(db, ann.id);
  assert.equal(done?.deleted, 100_000);
  assert.ok(done?.finishedAt);
  assert.deepEqual(await releasesOf(db, bob.id), [], "the next owner is not shown the last one's release");
});
