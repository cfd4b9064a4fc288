import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTcpProxy, type TcpProxy } from "../server/testing/tcp-proxy.ts";
import { createDb } from "./db.ts";
import { createTestDatabase, type TestDatabase } from "./testing/db.ts";

const QUERY_TIMEOUT_MS = 500;

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase("db");
});
after(() => database.drop());

/** The test database behind a proxy that can stall, through a one-connection client. */
async function proxiedDb(t: { after(fn: () => unknown): void }) {
  const direct = new URL(database.url);
  const proxy: TcpProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const url = new URL(database.url);
  url.port = String(proxy.port);
  const db = createDb(url.toString(), { max: 1, queryTimeoutMs: QUERY_TIMEOUT_MS });
  t.after(async () => {
    // The proxy first: a query still stuck on it (without the time limit) would hold up the pool's end.
    await proxy.close();
    await db.$disconnect();
  });
  return { db, proxy };
}

/** Settles `work` or says it did not within `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown; late?: true }> {
  return Promise.race([
    work.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<{ late: true }>((resolve) => setTimeout(() => resolve({ late: true }), ms).unref()),
  ]);
}

test("a database that stops answering fails a query in time instead of leaving it waiting", async (t) => {
  const { db, proxy } = await proxiedDb(t);
  assert.equal(await db.user.count(), 0);
  proxy.hang();
  const outcome = await within(db.user.count(), QUERY_TIMEOUT_MS + 4_000);
  assert.equal(outcome.late, undefined, "the query was still waiting");
  assert.ok(outcome.error, "the query failed");
});

test("a connection stuck on a dead link is dropped: the pool serves again once the database is back", async (t) => {
  const { db, proxy } = await proxiedDb(t);
  assert.equal(await db.user.count(), 0);
  proxy.hang();
  await within(db.user.count(), QUERY_TIMEOUT_MS + 4_000);
  // The database is reachable again, but nothing ever answers on the pool's old connection.
  proxy.failover();
  const outcome = await within(db.user.count(), QUERY_TIMEOUT_MS + 4_000);
  assert.equal(outcome.late, undefined, "the pool still waits on its dead connection");
  assert.equal(outcome.value, 0, String(outcome.error));
});

test("a transaction whose statement got no answer does not leave its dead connection in the pool", async (t) => {
  const { db, proxy } = await proxiedDb(t);
  assert.equal(await db.user.count(), 0);
  const stuck = db.$transaction(async (tx) => {
    await tx.user.count();
    proxy.hang();
    await tx.user.count();
  });
  const failed = await within(stuck, QUERY_TIMEOUT_MS + 10_000);
  assert.equal(failed.late, undefined, "the transaction was still waiting");
  assert.ok(failed.error, "the transaction failed");
  proxy.failover();
  // The one connection the pool may hold: it must be a new one, not the transaction's.
  for (const attempt of [1, 2, 3]) {
    const outcome = await within(db.user.count(), QUERY_TIMEOUT_MS + 4_000);
    assert.equal(outcome.late, undefined, `query ${attempt} still waits on the transaction's connection`);
    assert.equal(outcome.value, 0, `query ${attempt}: ${String(outcome.error)}`);
  }
});

test("while the pool is busy for more than 2 s, transactions wait their turn as queries do", async (t) => {
  const db = createDb(database.url, { max: 1 });
  t.after(() => db.$disconnect());
  // The pool's one connection, busy for 3 s (a heavy search, a burst of live views).
  const busy = db.$queryRaw`SELECT pg_sleep(3)::text`.then(() => "done");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const [batch, interactive, query] = await Promise.allSettled([
    // A sign-in (its web session) and a form's change (a name reserved) are transactions.
    db.$transaction([db.user.count(), db.user.count()]),
    db.$transaction(async (tx) => tx.user.count()),
    db.user.count(),
  ]);
  assert.equal(await busy, "done");
  assert.deepEqual(batch, { status: "fulfilled", value: [0, 0] });
  assert.deepEqual(interactive, { status: "fulfilled", value: 0 });
  assert.deepEqual(query, { status: "fulfilled", value: 0 });
});

test("a statement the dashboard gave up on (no answer in time) is cancelled in PostgreSQL too", async (t) => {
  const applicationName = `burrow-test-cancel-${process.pid}`;
  const db = createDb(database.url, { max: 1, queryTimeoutMs: QUERY_TIMEOUT_MS, applicationName });
  const running = async () =>
    (
      await database.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = ${applicationName} AND state = 'active'`
    )[0]?.n;
  t.after(async () => {
    await database.db.$queryRaw`
      SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = ${applicationName}`;
    await db.$disconnect();
  });
  // A search far slower than the time limit (as a body search over a huge log was), on its own and
  // in a transaction (their statements go through the pool differently).
  const slow = [
    () => db.$queryRaw`SELECT pg_sleep(60)::text`,
    () => db.$transaction(async (tx) => tx.$queryRaw`SELECT pg_sleep(60)::text`),
  ];
  for (const [i, statement] of slow.entries()) {
    const outcome = await within(statement(), QUERY_TIMEOUT_MS + 4_000);
    assert.ok(outcome.error, `statement ${i}: failed on the client's side`);
    let left = await running();
    for (let look = 0; look < 40 && left !== 0; look++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await running();
    }
    assert.equal(left, 0, `statement ${i}: still runs in PostgreSQL`);
  }
});
