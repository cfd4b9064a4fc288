import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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

test("a query the database refuses is not an outage", async () => {
  const error = await failure(database.db.$executeRawUnsafe("SELECT * FROM no_such_table"));
  assert.equal(isDatabaseUnavailable(error), false);
  const email = `dup-${Date.now()}@example.com`;
  await database.db.user.create({ data: { email, passwordHash: "!" } });
  const duplicate = await failure(database.db.user.create({ data: { email, passwordHash: "!" } }));
  assert.equal(isDatabaseUnavailable(duplicate), false);
});
