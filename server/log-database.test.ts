import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../lib/testing/db.ts";
import { createLogPool } from "./log-database.ts";
import { startTcpProxy, type TcpProxy } from "./testing/tcp-proxy.ts";

let testDb: TestDatabase;
let proxy: TcpProxy;

before(async () => {
  testDb = await createTestDatabase("logdatabase");
  await testDb.db.$executeRawUnsafe("CREATE TABLE copied (n integer)");
  const target = new URL(testDb.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
});

after(async () => {
  await proxy?.close();
  await testDb?.drop();
});

test("a database connection cut in the middle of a COPY fails that COPY, not the relay, and the pool goes on", async () => {
  const url = new URL(testDb.url);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  const pool = createLogPool(url.toString());
  try {
    // The cut comes while the COPY's data is being sent: the connection, checked out of the pool,
    // errors. Unhandled, that error would end the process (the relay) and this test with it.
    function* rows(): Generator<Buffer> {
      yield Buffer.from("1\n");
      proxy.cut();
      for (let i = 0; i < 200; i++) yield Buffer.from(`${i}\n`.repeat(1000));
    }
    await assert.rejects(pool.copyFrom("COPY copied (n) FROM STDIN", rows()));

    proxy.restore();
    await pool.copyFrom("COPY copied (n) FROM STDIN", [Buffer.from("7\n8\n")]);
    const [count] = await testDb.db.$queryRawUnsafe<[{ n: bigint }]>("SELECT count(*) AS n FROM copied");
    assert.equal(count?.n, 2n, "only the second COPY's rows: the cut one was not half written");
  } finally {
    await pool.end();
  }
});
