/**
 * The dashboard's side of Replay: only the owner, only an online tunnel, only a request that can be
 * sent as it was; then exactly one command to the relay. (The relay's side: server/http/edge-replay.)
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors.ts";
import { createTestDatabase, type TestDatabase } from "../testing/db.ts";
import { listenToRelayCommands } from "../testing/relay-commands.ts";
import { parseInput } from "../validate.ts";
import { captureHeaders, LOG_HEADER_VALUE_MAX } from "./headers.ts";
import { requestEditedReplay, requestReplay, takePendingReplay } from "./replay.ts";
import { editedReplaySchema, headerLines } from "./replay-edit.ts";

let testDb: TestDatabase;
let relay: Awaited<ReturnType<typeof listenToRelayCommands>>;
let owner: string;
let stranger: string;

before(async () => {
  testDb = await createTestDatabase("replay");
  const { db } = testDb;
  owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
  stranger = (await db.user.create({ data: { email: "stranger@example.com", passwordHash: "x" } })).id;
  await db.reservation.create({ data: { name: "hook", userId: owner } });
  relay = await listenToRelayCommands(testDb.url);
});

after(async () => {
  await relay?.close();
  await testDb?.drop();
});

async function ensureOnline(): Promise<void> {
  if ((await testDb.db.tunnelSession.count({ where: { name: "hook", endedAt: null } })) > 0) return;
  await testDb.db.tunnelSession.create({ data: { name: "hook", userId: owner, clientIp: "127.0.0.1" } });
}

function logRow(fields: { upgrade?: boolean; requestHeaders?: string | null } = {}) {
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
  return relay.commands.splice(0);
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

test("a replay's row, with its body kept and no Content-Length (the relay framed it), is sent again", async () => {
  await ensureOnline();
  const replayed = await testDb.db.requestLog.create({
    data: {
      name: "hook",
      method: "POST",
      path: "/hooks",
      status: 200,
      durationMs: 2,
      clientIp: "203.0.113.7",
      admission: "REPLAY",
      bytesIn: 32,
      requestHeaders: JSON.stringify([
        ["Host", "hook.example.com"],
        ["Content-Type", "application/json"],
      ]),
      requestBody: Buffer.from(`{"order":"${"4".repeat(20)}"}`),
    },
  });
  await requestReplay(testDb.db, owner, "hook", { id: String(replayed.id) });
  assert.deepEqual(await sent(), [{ type: "replay", name: "hook", id: String(replayed.id) }]);
});

test("an edited request waits for the relay, which takes it once, with the original visitor", async () => {
  await ensureOnline();
  const row = await logRow();
  const stale = await testDb.db.pendingReplay.create({
    data: { name: "hook", method: "GET", path: "/", headers: "[]", clientIp: "x", createdAt: new Date(0) },
  });
  const edit = parseInput(editedReplaySchema, {
    id: String(row.id),
    method: "put",
    path: "/items/7",
    headers: "Host: hook.example.com\nUser-Agent: replay-test\nContent-Type: text/plain",
    body: "edited body",
  });
  await requestEditedReplay(testDb.db, owner, "hook", edit);
  const [command] = (await sent()) as { type: string; name: string; pendingId: string }[];
  assert.equal(command?.type, "replay-edited");
  assert.equal(command?.name, "hook");
  assert.equal(
    await testDb.db.pendingReplay.count({ where: { id: stale.id } }),
    0,
    "one the relay never took is dropped after ten minutes",
  );

  const pendingId = command!.pendingId;
  const elsewhere = await takePendingReplay(testDb.db, "other", pendingId).catch((e: unknown) => e);
  assert.ok(elsewhere instanceof AppError && elsewhere.code === "not_found", "only for its own name");
  const taken = await takePendingReplay(testDb.db, "hook", pendingId);
  assert.equal(taken.method, "PUT");
  assert.equal(taken.path, "/items/7");
  assert.deepEqual(taken.headers, [
    "Host",
    "hook.example.com",
    "User-Agent",
    "replay-test",
    "Content-Type",
    "text/plain",
  ]);
  assert.equal(taken.body?.toString(), "edited body");
  assert.equal(taken.clientIp, "203.0.113.7");
  assert.equal(taken.userAgent, "replay-test");
  assert.equal(taken.replayOf, String(row.id), "the edit remembers the request it started from");
  const again = await takePendingReplay(testDb.db, "hook", pendingId).catch((e: unknown) => e);
  assert.ok(again instanceof AppError && again.code === "not_found", "sent once");
});

test("an edited request keeps the logged bytes of the header values left alone, the rest in UTF-8", async () => {
  await ensureOnline();
  // As Node hands them on and the log stores them: one Latin-1 character a byte.
  const oldCafe = Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString("latin1");
  const utf8 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
  const logged = ["Host", "hook.example.com", "X-Old", oldCafe, "X-Name", utf8("café")];
  const row = await logRow({ requestHeaders: captureHeaders(logged) });
  const shown = headerLines(logged);
  assert.equal(shown, "Host: hook.example.com\nX-Old: caf\\xE9\nX-Name: café");
  const edit = (headers: string) =>
    parseInput(editedReplaySchema, { id: String(row.id), method: "GET", path: "/", headers, body: "" });
  const taken = async () => {
    const [command] = (await sent()) as { pendingId: string }[];
    return (await takePendingReplay(testDb.db, "hook", command!.pendingId)).headers;
  };

  await requestEditedReplay(testDb.db, owner, "hook", edit(shown));
  assert.deepEqual(await taken(), logged);
  await requestEditedReplay(testDb.db, owner, "hook", edit(shown.replace("café", "crème brûlée 🍮")));
  assert.deepEqual(await taken(), [
    "Host",
    "hook.example.com",
    "X-Old",
    oldCafe,
    "X-Name",
    utf8("crème brûlée 🍮"),
  ]);

  // A value the log cut, sent as shown, is refused under the headers, and nothing waits.
  const long = await logRow({
    requestHeaders: captureHeaders(["Host", "h", "X-Long", "v".repeat(LOG_HEADER_VALUE_MAX + 1)]),
  });
  const cut = await requestEditedReplay(
    testDb.db,
    owner,
    "hook",
    parseInput(editedReplaySchema, {
      id: String(long.id),
      method: "GET",
      path: "/",
      headers: `Host: h\nX-Long: ${"v".repeat(LOG_HEADER_VALUE_MAX - 1)}…`,
      body: "",
    }),
  ).then(
    () => assert.fail("not refused"),
    (error: unknown) => error as AppError,
  );
  assert.equal(cut.code, "invalid_input");
  assert.match(cut.fieldErrors?.headers?.[0] ?? "", /^X-Long: the log cut this value at 2048 characters/);
  assert.deepEqual(await sent(), []);
});

test("an edit of someone else's request, or of a WebSocket, is refused and nothing waits", async () => {
  await ensureOnline();
  const edit = (id: bigint) =>
    parseInput(editedReplaySchema, {
      id: String(id),
      method: "GET",
      path: "/",
      headers: "Host: h",
      body: "",
    });
  const row = await logRow();
  const refusal = (userId: string, id: bigint) =>
    requestEditedReplay(testDb.db, userId, "hook", edit(id)).then(
      () => assert.fail("not refused"),
      (error: unknown) => error as AppError,
    );
  assert.equal((await refusal(stranger, row.id)).code, "not_found");
  assert.equal((await refusal(owner, 999_999n)).code, "not_found");
  assert.match((await refusal(owner, (await logRow({ upgrade: true })).id)).message, /WebSocket/);
  assert.equal(await testDb.db.pendingReplay.count(), 0);
  assert.deepEqual(await sent(), []);
});
