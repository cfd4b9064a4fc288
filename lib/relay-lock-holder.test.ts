import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, test } from "node:test";
import pg from "pg";
import { describeHolder, findRelayLockHolder, RELAY_LOCK_KEY } from "./relay-lock-holder.ts";
import { createTestDatabase, type TestDatabase } from "./testing/db.ts";

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase("lock_holder");
});
after(() => database.drop());

/** A session holding the relay lock under `applicationName`, as a relay's control connection does. */
async function holdLock(applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url, application_name: applicationName });
  await client.connect();
  await client.query("SELECT pg_advisory_lock($1)", [RELAY_LOCK_KEY]);
  return client;
}

test("the dashboard's read of the lock: none while no relay holds it, then the relay's pid, machine, address and start", async () => {
  assert.equal(await findRelayLockHolder(database.db), undefined);
  const client = await holdLock(`burrow-relay-control 4242@${hostname()}`);
  try {
    const holder = await findRelayLockHolder(database.db);
    assert.ok(holder);
    assert.equal(holder.pid, 4242);
    assert.equal(holder.host, hostname());
    assert.equal(holder.clientAddr, "127.0.0.1");
    assert.ok(holder.since instanceof Date && Date.now() - holder.since.getTime() < 60_000);
    assert.equal(typeof holder.silentMs, "number");
    assert.match(
      describeHolder(holder),
      new RegExp(
        `^pid 4242 on ${hostname()}, connected from 127\\.0\\.0\\.1, since \\d{4}-\\d\\d-\\d\\dT\\S+Z$`,
      ),
    );
  } finally {
    await client.end();
  }
  assert.equal(await findRelayLockHolder(database.db), undefined, "let go with its session");
});

test("a holder that is no relay's control connection is named by its PostgreSQL backend", async () => {
  const client = await holdLock("psql");
  try {
    const holder = await findRelayLockHolder(database.db);
    assert.equal(holder?.pid, undefined);
    assert.match(
      describeHolder(holder),
      /^PostgreSQL backend \d+, psql, connected from 127\.0\.0\.1, since /,
    );
  } finally {
    await client.end();
  }
});
