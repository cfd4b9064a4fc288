import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AuthError } from "next-auth";
import { startTcpProxy, type TcpProxy } from "../../server/testing/tcp-proxy.ts";
import { createDb } from "../db.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import { isDatabaseUnavailable, lastLine } from "./unavailable.ts";

let database: TestDatabase;
let proxy: TcpProxy;
before(async () => {
  database = await createTestDatabase("unavailable");
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
});
after(async () => {
  await proxy.close();
  await database.drop();
});

function proxiedDb() {
  const url = new URL(database.url);
  url.port = String(proxy.port);
  return createDb(url.toString(), { max: 1, queryTimeoutMs: 500 });
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => assert.fail("expected the query to fail"),
    (error: unknown) => error,
  );
}

test("the errors of a database that refuses, drops or stops answering connections are told apart from bugs", async () => {
  const db = proxiedDb();
  try {
    await db.user.count();
    proxy.cut();
    const dropped = await failure(db.user.count());
    assert.ok(isDatabaseUnavailable(dropped), String(dropped));
    const refused = await failure(db.user.count());
    assert.ok(isDatabaseUnavailable(refused), String(refused));
    assert.doesNotMatch(lastLine(refused), /\n|invocation/);
    proxy.restore();
    await db.user.count();
    proxy.hang();
    const unanswered = await failure(db.user.count());
    assert.ok(isDatabaseUnavailable(unanswered), String(unanswered));
  } finally {
    proxy.restore();
    await db.$disconnect();
  }
});

test("a raw query whose server shut down under it is an outage, though Prisma puts the code in its meta", async () => {
  const db = createDb(database.url, { max: 1 });
  try {
    const running = failure(db.$queryRawUnsafe("SELECT pg_sleep(5)"));
    // What a server shutting down does to its sessions: 57P01, admin_shutdown.
    await waitForQuery(database, "SELECT pg_sleep(5)");
    await database.db.$executeRawUnsafe(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND pid <> pg_backend_pid()",
    );
    const terminated = await running;
    assert.ok(isDatabaseUnavailable(terminated), String(terminated));
  } finally {
    await db.$disconnect();
  }
});

async function waitForQuery(on: TestDatabase, query: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const rows = await on.db.$queryRawUnsafe<{ n: number }[]>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1",
      query,
    );
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`the query never started: ${query}`);
}

test("a query the database refuses is not an outage", async () => {
  const error = await failure(database.db.$executeRawUnsafe("SELECT * FROM no_such_table"));
  assert.equal(isDatabaseUnavailable(error), false);
  const email = `dup-${Date.now()}@example.com`;
  await database.db.user.create({ data: { email, passwordHash: "!" } });
  const duplicate = await failure(database.db.user.create({ data: { email, passwordHash: "!" } }));
  assert.equal(isDatabaseUnavailable(duplicate), false);
});

test("a pool with no connection free for a transaction in time is told apart from bugs", async (t) => {
  const db = createDb(database.url, { max: 1 });
  t.after(() => db.$disconnect());
  const busy = db.$queryRaw`SELECT pg_sleep(1)::text`.then(() => "done");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const waited = await failure(db.$transaction(async (tx) => tx.user.count(), { maxWait: 100 }));
  await busy;
  assert.ok(isDatabaseUnavailable(waited), String(waited));
  assert.match(lastLine(waited), /Unable to start a transaction in the given time/);
});

test("an outage behind a sign-in is told apart from bugs, though Auth.js wraps it", async () => {
  const db = proxiedDb();
  try {
    await db.user.count();
    proxy.cut();
    const refused = await failure(db.webSession.count());
    // What signIn throws when the Credentials provider's authorize (the web session's insert) fails:
    // Auth.js keeps the error as `cause.err`.
    const wrapped = new AuthError("Read more at https://errors.authjs.dev#callbackrouteerror", {
      cause: { err: refused },
    });
    assert.ok(isDatabaseUnavailable(wrapped), String(wrapped));
    assert.equal(lastLine(wrapped), lastLine(refused));
    const bug = new AuthError("Read more", { cause: { err: new TypeError("x is undefined") } });
    assert.equal(isDatabaseUnavailable(bug), false);
  } finally {
    proxy.restore();
    await db.$disconnect();
  }
});
