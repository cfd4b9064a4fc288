/**
 * The dashboard's side of Replay: only the owner, only an online tunnel, only a request that can be
 * sent as it was; then exactly one command to the relay. (The relay's side: server/http/edge-replay.)
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { AppError } from "../errors.ts";
import { RELAY_CONTROL_CHANNEL } from "../relay-control.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import { requestReplay } from "./replay.ts";

let testDb: TestDatabase;
let listener: pg.Client;
let owner: string;
let stranger: string;
const commands: unknown[] = [];

before(async () => {
  testDb = await createTestDatabase("replay");
  const { db } = testDb;
  owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
  stranger = (await db.user.create({ data: { email: "stranger@example.com", passwordHash: "x" } })).id;
  await db.reservation.create({ data: { name: "hook", userId: owner } });
  listener = new pg.Client({ connectionString: testDb.url });
  await listener.connect();
  listener.on("notification", (message) => commands.push(JSON.parse(message.payload ?? "null")));
  await listener.query(`LISTEN ${RELAY_CONTROL_CHANNEL}`);
});

after(async () => {
  await listener?.end();
  await testDb?.drop();
});

function logRow(fields: { upgrade?: boolean } = {}) {
  return testDb.db.requestLog.create({
    data: {
      name: "hook",
      method: "GET",
      path: "/status",
      status: 200,
      durationMs: 2,
      clientIp: "203.0.113.7",
      requestHeaders: JSON.stringify([["Host", "hook.example.com"]]),
      ...fields,
    },
  });
}

async function refused(userId: string, name: string, id: bigint | string): Promise<AppError> {
  const error = await requestReplay(testDb.db, userId, name, { id: String(id) }).then(
    () => assert.fail("the replay was not refused"),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof AppError, String(error));
  return error;
}

/** Commands that arrived, after a moment for any that would. */
async function sent(): Promise<unknown[]> {
  await sleep(200);
  return commands.splice(0);
}

test("the owner's replay of an online tunnel's request sends one command to the relay", async () => {
  const row = await logRow();
  assert.match((await refused(owner, "hook", row.id)).message, /hook is offline: connect its ssh client/);
  assert.deepEqual(await sent(), [], "nothing sent while offline");

  await testDb.db.tunnelSession.create({ data: { name: "hook", userId: owner, clientIp: "127.0.0.1" } });
  await requestReplay(testDb.db, owner, " HOOK ", { id: String(row.id) });
  assert.deepEqual(await sent(), [{ type: "replay", name: "hook", id: String(row.id) }]);
});

test("someone else's name, another name's request or one that cannot be sent is refused", async () => {
  const row = await logRow();
  assert.equal((await refused(stranger, "hook", row.id)).code, "not_found");
  assert.equal((await refused(owner, "hook", "999999")).code, "not_found");
  assert.equal((await refused(owner, "hook", "abc")).code, "invalid_input");
  const upgrade = await logRow({ upgrade: true });
  assert.match((await refused(owner, "hook", upgrade.id)).message, /WebSocket/);
  assert.deepEqual(await sent(), []);
});
