import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import { listenToRelayCommands } from "../testing/relay-commands.ts";
import { requestCheckpoint } from "./checkpoint.ts";

let testDb: TestDatabase;
let relay: Awaited<ReturnType<typeof listenToRelayCommands>>;

before(async () => {
  testDb = await createTestDatabase("checkpoint");
  relay = await listenToRelayCommands(testDb.url);
});

after(async () => {
  await relay?.close();
  await testDb?.drop();
});

const socket = {
  method: "GET",
  path: "/ws",
  status: 101,
  upgrade: true,
  durationMs: 3,
  clientIp: "203.0.113.7",
};

test("an open row's checkpoint goes to the relay by its key; a closed one's does not; others are not found", async () => {
  const { db } = testDb;
  const open = await db.requestLog.create({
    data: { ...socket, name: "chat", open: true, streamKey: "k-open" },
  });
  const closed = await db.requestLog.create({ data: { ...socket, name: "chat" } });
  assert.equal(await requestCheckpoint(db, "chat", String(open.id)), true);
  assert.equal(await requestCheckpoint(db, "chat", String(closed.id)), false);
  for (const [name, id] of [
    ["other", String(open.id)],
    ["chat", "999999"],
    ["chat", "1 OR 1=1"],
  ] as const) {
    await assert.rejects(
      requestCheckpoint(db, name, id),
      (error) => error instanceof AppError && error.code === "not_found",
      `${name} ${id}`,
    );
  }
  await sleep(200);
  assert.deepEqual(relay.commands, [{ type: "checkpoint", name: "chat", streamKey: "k-open" }]);
});
