/**
 * "Keep bodies" through a real `ssh -R` tunnel: a name that keeps them gets the start of both bodies
 * in its log rows, byte for byte as they crossed the relay, while visitor and app still get every
 * byte; a name that does not keeps none, and turning the setting off applies to the next request.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { WebSocket, WebSocketServer } from "ws";
import { BODY_KEEP_BYTES } from "../../lib/request-logs/bodies.ts";
import { viewBody, viewKeptBodies } from "../../lib/request-logs/body-view.ts";
import { parseStoredHeaders } from "../../lib/request-logs/headers.ts";
import { listRequestLogs, readRequestBodies } from "../../lib/request-logs/query.ts";
import { setKeepBodies } from "../../lib/request-logs/settings.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import type { AccessGateHandle } from "../access/gate.ts";
import {
  createTestAccessGate,
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  requestEdge,
  startEdgeFixture,
  startEdgeTestRelay,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: LocalApp;
let gate: AccessGateHandle;
let owner: string;
/** SHA-256 of each upload the app received, by path. */
const received = new Map<string, string>();
/** Requests to /hold… are answered only when the test calls these. */
const held: (() => void)[] = [];
const DOWNLOAD = randomBytes(200 * 1024);

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgebodies",
    relayOptions: async (db) => {
      owner = (await db.user.create({ data: { email: "bodies@example.com", passwordHash: "x" } })).id;
      for (const name of ["kept", "plain"]) await db.reservation.create({ data: { name, userId: owner } });
      await setKeepBodies(db, owner, "kept", { keep: true });
      gate = createTestAccessGate(db);
      return { access: gate };
    },
    app: (req, res) => {
      const hash = createHash("sha256");
      req.on("data", (chunk: Buffer) => hash.update(chunk));
      req.on("end", async () => {
        received.set(req.url ?? "", hash.digest("hex"));
        if (req.url?.startsWith("/hold")) {
          await new Promise<void>((resolve) => held.push(resolve));
          res.end("answered at last");
          return;
        }
        if (req.url?.startsWith("/download")) {
          res.setHeader("content-type", "application/octet-stream");
          res.end(DOWNLOAD);
          return;
        }
        res.setHeader("content-type", "application/json");
        res.setHeader("content-encoding", "gzip");
        res.end(gzipSync(JSON.stringify({ ok: true, path: req.url })));
      });
    },
  });
  ({ testDb, relay, app } = fixture);
  // WebSocket echoes: /ws plain, /ws-deflate with permessage-deflate (as browsers negotiate it).
  const plainWs = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const deflateWs = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
  app.server.on("upgrade", (req, socket, head) => {
    const server = req.url === "/ws-deflate" ? deflateWs : plainWs;
    server.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(isBinary ? data : `echo: ${data}`, { binary: isBinary }));
    });
  });
  for (const name of ["kept", "plain"]) await fixture.openTunnel(name);
});

after(() => fixture?.close());

/** Sends a request with a body through the edge. */
function send(name: string, path: string, body: Buffer, method = "POST", edge: EdgeTestRelay = relay) {
  return requestEdge(edge, {
    host: `${name}.${TEST_DOMAIN}`,
    path,
    method,
    body,
    headers: { "content-type": "application/json" },
  });
}

async function storedRow(name: string, path: string) {
  const where = { name, path };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, `the log row of ${path}`);
  return testDb.db.requestLog.findFirstOrThrow({
    where,
    select: {
      bytesIn: true,
      bytesOut: true,
      responseHeaders: true,
      requestBody: true,
      responseBody: true,
    },
  });
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

test("a name that keeps bodies logs the visitor's JSON and the app's gzipped answer as they were sent", async () => {
  const body = Buffer.from(JSON.stringify({ hello: "wörld", list: [1, 2, 3] }));
  const res = await send("kept", "/api/echo", body);
  assert.equal(res.status, 200);
  const row = await storedRow("kept", "/api/echo");
  assert.deepEqual(Buffer.from(row.requestBody!), body);
  // Stored compressed, as the app sent it; the details decode it for reading.
  const response = Buffer.from(row.responseBody!);
  assert.equal(response.length, Number(row.bytesOut));
  const view = viewBody(response, Number(row.bytesOut), parseStoredHeaders(row.responseHeaders));
  assert.equal(view.encoding, "gzip");
  assert.deepEqual(JSON.parse(view.text!), { ok: true, path: "/api/echo" });
  // Searching bodies finds the answer's text although it is stored compressed.
  const found = await listRequestLogs(testDb.db, { name: "kept", bodiesContain: '"PATH":"/api/echo"' });
  assert.deepEqual(
    found.rows.map((r) => r.path),
    ["/api/echo"],
  );
  const missing = await listRequestLogs(testDb.db, { name: "kept", bodiesContain: '"path":"/nowhere"' });
  assert.equal(missing.rows.length, 0);
});

test("large bodies stream whole to the app and the visitor; the log keeps their first 64 KiB", async () => {
  const upload = randomBytes(1024 * 1024);
  const res = await send("kept", "/download?big", upload, "PUT");
  assert.equal(res.status, 200);
  assert.equal(received.get("/download?big"), sha256(upload), "the app got every byte");
  assert.equal(sha256(res.bytes), sha256(DOWNLOAD), "the visitor got every byte");
  const row = await storedRow("kept", "/download?big");
  assert.equal(Number(row.bytesIn), upload.length);
  assert.equal(Number(row.bytesOut), DOWNLOAD.length);
  assert.deepEqual(Buffer.from(row.requestBody!), upload.subarray(0, BODY_KEEP_BYTES));
  assert.deepEqual(Buffer.from(row.responseBody!), DOWNLOAD.subarray(0, BODY_KEEP_BYTES));
});

test("with BURROW_LOG_BODIES=false the server keeps no body, whatever the owner chose", async () => {
  const strict = await startEdgeTestRelay({
    db: testDb.db,
    access: gate,
    env: { BURROW_LOG_BODIES: "false" },
  });
  const client = await startSshTunnel(strict, "kept", app.port);
  try {
    const res = await send("kept", "/api/strict", Buffer.from('{"card":"4111"}'), "POST", strict);
    assert.equal(res.status, 200);
    const row = await storedRow("kept", "/api/strict");
    assert.equal(row.requestBody, null);
    assert.equal(row.responseBody, null);
    assert.equal(Number(row.bytesIn), 15);
  } finally {
    await client.stop();
    await strict.close();
  }
});

/** Opens a WebSocket through the edge and sends `messages` one at a time, awaiting each echo. */
async function openTalk(
  name: string,
  path: string,
  messages: (string | Buffer)[],
  edge: EdgeTestRelay = relay,
): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${edge.httpPort}${path}`, {
    headers: { host: `${name}.${TEST_DOMAIN}` },
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  for (const message of messages) {
    const echoed = new Promise((resolve) => ws.once("message", resolve));
    ws.send(message);
    await echoed;
  }
  return ws;
}

async function close(ws: WebSocket): Promise<void> {
  const closed = new Promise((resolve) => ws.once("close", resolve));
  ws.close(1000, "done here");
  await closed;
}

/** A whole conversation: open, talk, close. */
async function talk(
  name: string,
  path: string,
  messages: (string | Buffer)[],
  edge: EdgeTestRelay = relay,
): Promise<void> {
  await close(await openTalk(name, path, messages, edge));
}

/** The row of a closed connection (written when it opened, finished when it closed). */
async function connectionRow(name: string, path: string) {
  const where = { name, path, upgrade: true, open: false };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, `the log row of ${path}`);
  return testDb.db.requestLog.findFirstOrThrow({ where, omit: { requestBody: false, responseBody: false } });
}

test("a name that keeps bodies logs what each side of a WebSocket sent, readable as messages, compressed or not", async () => {
  for (const path of ["/ws", "/ws-deflate"]) {
    await talk("kept", path, ['{"say":"<hello>"}', Buffer.from([1, 2, 3]), "second"]);
    const row = await connectionRow("kept", path);
    assert.ok(row.requestBody, `${path}: the frames were kept`);
    const view = (await viewKeptBodies(await readRequestBodies(testDb.db, "kept", String(row.id)))).websocket;
    assert.ok(view, `${path}: read as a WebSocket`);
    assert.equal(view.compressed, path === "/ws-deflate");
    assert.equal(view.visitor.problem, null);
    assert.equal(view.app.problem, null);
    assert.deepEqual(
      view.visitor.messages.map((m) => [m.kind, m.text ?? m.preview, m.code]),
      [
        ["text", '{"say":"<hello>"}', null],
        ["binary", "010203", null],
        ["text", "second", null],
        ["close", "done here", 1000],
      ],
    );
    assert.deepEqual(
      view.app.messages.map((m) => [m.kind, m.text ?? m.preview, m.compressed]),
      [
        ["text", 'echo: {"say":"<hello>"}', path === "/ws-deflate"],
        ["binary", "010203", path === "/ws-deflate"],
        ["text", "echo: second", path === "/ws-deflate"],
        ["close", "done here", false],
      ],
    );
    // Bodies contain finds what either side said, though the visitor's frames are masked and,
    // with permessage-deflate, both sides' compressed.
    for (const said of ["<hello>", "echo: second"]) {
      const found = await listRequestLogs(testDb.db, {
        name: "kept",
        pathContains: path,
        bodiesContain: said,
      });
      assert.ok(
        found.rows.some((r) => r.id === String(row.id)),
        `${path}: a search for ${said} finds the connection`,
      );
    }
  }
  // A name that does not keep bodies keeps no frames either.
  await talk("plain", "/ws", ["not kept"]);
  const plain = await connectionRow("plain", "/ws");
  assert.equal(plain.requestBody, null);
  assert.equal(plain.responseBody, null);
});

test("each kept message is dated by when it crossed the relay, both sides, from the handshake on", async () => {
  const ws = await openTalk("kept", "/ws?timed", ["first"]);
  await sleep(400);
  const echoed = new Promise((resolve) => ws.once("message", resolve));
  ws.send("a moment later");
  await echoed;
  await close(ws);
  const row = await connectionRow("kept", "/ws?timed");
  const view = (await viewKeptBodies(await readRequestBodies(testDb.db, "kept", String(row.id)))).websocket;
  assert.ok(view);
  assert.deepEqual(
    view.visitor.messages.map((m) => m.text),
    ["first", "a moment later", "done here"],
  );
  const [first, later, closing] = view.visitor.messages.map((m) => m.atMs ?? Number.NaN) as [
    number,
    number,
    number,
  ];
  const [echo, laterEcho] = view.app.messages.map((m) => m.atMs ?? Number.NaN) as [number, number];
  assert.ok(first >= 0 && first < 300, `the first message at ${first} ms`);
  assert.ok(later - first >= 380, `sent ${later - first} ms after the first`);
  assert.ok(closing >= later);
  assert.ok(echo >= first && echo < later, `the first echo at ${echo} ms`);
  assert.ok(laterEcho >= later, `the second echo at ${laterEcho} ms`);
});

test("connections still open share the relay's allowance of kept bytes; each closed one gives its share back", async () => {
  const small = await startEdgeTestRelay({ db: testDb.db, access: gate, keptInFlightMax: 100 });
  const client = await startSshTunnel(small, "kept", app.port);
  const kept = async (path: string) => {
    const row = await connectionRow("kept", path);
    return (row.requestBody?.length ?? 0) + (row.responseBody?.length ?? 0);
  };
  try {
    // The first connection takes all 100 bytes while it stays open; the second gets none.
    const first = await openTalk("kept", "/ws?first", ["a".repeat(40), "b".repeat(40)], small);
    const second = await openTalk("kept", "/ws?second", ["c".repeat(40)], small);
    await close(second);
    await close(first);
    assert.equal(await kept("/ws?first"), 100);
    assert.equal(await kept("/ws?second"), 0);
    // Both closed: their bytes are in the log now, and the allowance is whole again.
    await talk("kept", "/ws?third", ["d".repeat(40), "e".repeat(40)], small);
    assert.equal(await kept("/ws?third"), 100);
  } finally {
    await client.stop();
    await small.close();
  }
});

test("the owner deleting kept bodies while a WebSocket is open: its row keeps none of what was said, before or after", async () => {
  const small = await startEdgeTestRelay({ db: testDb.db, access: gate, keptInFlightMax: 100 });
  const client = await startSshTunnel(small, "kept", app.port);
  try {
    // A request under way (its app has not answered yet), and a connection open.
    const pending = send("kept", "/hold?deleted", Buffer.from('{"card":"secret 4111"}'), "POST", small);
    await waitFor(async () => received.has("/hold?deleted"), "the app to have the request");
    const open = await openTalk("kept", "/ws?deleted", ["secret before"], small);
    // Takes the whole allowance while it lasts: another connection keeps nothing now.
    const busy = await openTalk("kept", "/ws?other", ["x".repeat(100)], small);
    small.edge.bodiesDeleted("kept");
    held.shift()?.();
    assert.equal((await pending).status, 200);
    await openTalk("kept", "/ws?deleted", ["secret after"], small).then(close);
    const echoed = new Promise((resolve) => open.once("message", resolve));
    open.send("said after too");
    await echoed;
    await close(open);
    await close(busy);
    const where = { name: "kept", path: "/ws?deleted" };
    await waitFor(
      async () => (await testDb.db.requestLog.count({ where: { ...where, open: false } })) === 2,
      "both ends",
    );
    const rows = await testDb.db.requestLog.findMany({
      where,
      orderBy: { id: "asc" },
      omit: { requestBody: false, responseBody: false, frameTimes: false },
    });
    assert.equal(rows.length, 2);
    const [deleted, after] = rows;
    assert.equal(deleted?.open, false);
    assert.ok(deleted!.bytesIn > 0n, "its traffic is still counted");
    assert.equal(deleted?.requestBody, null);
    assert.equal(deleted?.responseBody, null);
    assert.equal(deleted?.frameTimes, null);
    const request = await storedRow("kept", "/hold?deleted");
    assert.equal(request.requestBody, null, "the request under way keeps no body");
    assert.equal(request.responseBody, null);
    const found = await listRequestLogs(testDb.db, { name: "kept", bodiesContain: "secret" });
    assert.deepEqual(
      found.rows.map((r) => r.id),
      [String(after!.id)],
      "only the connection opened after the deletion is found by what it said",
    );
    // The allowance the open connection held came back at the deletion: the later one kept its words.
    assert.ok(after?.requestBody);
  } finally {
    await client.stop();
    await small.close();
  }
});

test("a name that does not keep bodies logs none, and turning it off applies to the next request", async () => {
  const body = Buffer.from('{"secret":"not kept"}');
  assert.equal((await send("plain", "/api/plain", body)).status, 200);
  const plain = await storedRow("plain", "/api/plain");
  assert.equal(plain.requestBody, null);
  assert.equal(plain.responseBody, null);
  assert.equal(Number(plain.bytesIn), body.length);

  await setKeepBodies(testDb.db, owner, "kept", { keep: false });
  gate.invalidate("kept"); // what the dashboard's notification does
  assert.equal((await send("kept", "/api/after-off", body)).status, 200);
  const off = await storedRow("kept", "/api/after-off");
  assert.equal(off.requestBody, null);
  assert.equal(off.responseBody, null);
});
