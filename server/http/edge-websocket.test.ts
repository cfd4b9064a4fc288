import assert from "node:assert/strict";
import http, { type IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket, WebSocketServer } from "ws";
import { parseStoredHeaders } from "../../lib/request-logs/headers.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  rawExchange,
  startEdgeFixture,
  startEdgeTestRelay,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";
import { IDLE_CHANNEL_MS } from "./tunnel-pools.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: LocalApp;
let wss: WebSocketServer;
const upgradeRequests: IncomingMessage[] = [];
/** How each WebSocket ended on the app's side: its close code and reason. */
const appCloses: { code: number; reason: string }[] = [];
const host = `sockets.${TEST_DOMAIN}`;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgews",
    app: (req, res) => {
      if (req.url === "/events") {
        // An event stream that never ends by itself.
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: hi\n\n");
        return;
      }
      res.writeHead(426, { "content-type": "text/plain" });
      res.end(`upgrade required at ${req.url}\n`);
    },
  });
  ({ testDb, relay, app } = fixture);
  // Echo WebSocket server on /ws; anything else falls through to the plain handler above.
  wss = new WebSocketServer({ noServer: true });
  app.server.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/ws")) {
      upgradeRequests.push(req);
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on("close", (code, reason) => appCloses.push({ code, reason: reason.toString() }));
        ws.on("message", (data, isBinary) => {
          // The app drops the connection without a close frame, as a crashing app would.
          if (data.toString() === "drop") ws.terminate();
          else ws.send(data, { binary: isBinary });
        });
      });
    } else {
      socket.end("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
    }
  });
  await fixture.openTunnel("sockets");
});

after(async () => {
  await fixture?.close();
  wss?.close();
});

function connect(path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.httpPort}${path}`, { headers: { host, ...headers } });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
}

/** The close code and reason the visitor's WebSocket gets (1006, "" when cut without a close frame). */
function closing(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

function nextMessage(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const closed = () => settle(() => reject(new Error("closed before a message")));
    const failed = (error: Error) => settle(() => reject(error));
    const received = (data: Buffer) => settle(() => resolve(data));
    // Each call's listeners go again, so a long conversation does not pile them up.
    const settle = (then: () => void) => {
      ws.off("message", received).off("error", failed).off("close", closed);
      then();
    };
    ws.once("message", received).once("error", failed).once("close", closed);
  });
}

test("WebSocket messages echo through the tunnel, and the upgrade is logged", async () => {
  const ws = await connect("/ws?room=1", { "x-forwarded-for": "6.6.6.6", "user-agent": "ws-test" });
  for (let i = 0; i < 20; i++) {
    const reply = nextMessage(ws);
    ws.send(`message ${i}`);
    assert.equal((await reply).toString(), `message ${i}`);
  }
  const big = Buffer.alloc(1024 * 1024, 3);
  const reply = nextMessage(ws);
  ws.send(big);
  assert.ok((await reply).equals(big), "a 1 MiB binary message comes back intact");

  const seen = upgradeRequests.at(-1)!;
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1", "spoofed X-Forwarded-For replaced");
  assert.equal(seen.headers.host, host);
  assert.equal(seen.headers.upgrade, "websocket");

  // In the log while it is still open: written when the app switched protocols.
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "sockets", upgrade: true } })) >= 1,
    "the open upgrade's log row",
  );
  const opened = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "sockets", upgrade: true } });
  assert.equal(opened.open, true);
  assert.equal(opened.status, 101);
  assert.equal(opened.path, "/ws?room=1");
  assert.ok(opened.bytesIn < 1024n * 1024n, "its bytes are those of the handshake's moment");
  const lines = () => relay.traces.get("sockets")?.lines ?? [];
  assert.ok(lines().includes("GET (upgrade) /ws?room=1 101 open"), "the owner's terminal says it opened");
  assert.ok(!lines().some((line) => /^GET \(upgrade\) \/ws\?room=1 101 [\d.]+ms$/.test(line)));

  ws.close();
  await new Promise((resolve) => ws.once("close", resolve));
  await waitFor(
    async () => (await testDb.db.requestLog.findUniqueOrThrow({ where: { id: opened.id } })).open === false,
    "the upgrade's row to be finished",
  );
  assert.equal(await testDb.db.requestLog.count({ where: { name: "sockets", upgrade: true } }), 1, "one row");
  const row = await testDb.db.requestLog.findUniqueOrThrow({ where: { id: opened.id } });
  assert.equal(row.streamKey, null);
  assert.ok(row.durationMs > opened.durationMs);
  assert.equal(row.status, 101);
  assert.equal(row.path, "/ws?room=1");
  assert.equal(row.userAgent, "ws-test");
  assert.ok(
    parseStoredHeaders(row.requestHeaders)?.some(
      ([n, v]) => n.toLowerCase() === "upgrade" && v === "websocket",
    ),
    "the upgrade request's headers",
  );
  assert.ok(
    parseStoredHeaders(row.responseHeaders)?.some(([n]) => n.toLowerCase() === "sec-websocket-accept"),
    "the app's 101 headers",
  );
  assert.ok(
    lines().some((line) => /^GET \(upgrade\) \/ws\?room=1 101 [\d.]+ms$/.test(line)),
    "and, when it closed, how long it lasted",
  );
  assert.ok(row.bytesIn > 1024n * 1024n, `bytes in ${row.bytesIn}`);
  assert.ok(row.bytesOut > 1024n * 1024n, `bytes out ${row.bytesOut}`);
});

test("a WebSocket whose tunnel closes gets a close frame (1001); one the app drops is passed on as dropped (1006)", async () => {
  const ending = await startSshTunnel(relay, "ending", app.port);
  const open = (name: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${relay.httpPort}/ws`, {
        headers: { host: `${name}.${TEST_DOMAIN}` },
      });
      socket.once("open", () => resolve(socket)).once("error", reject);
    });
  const ws = await open("ending");
  // A message of 100 KiB first: the close frame goes after whole frames only.
  const reply = nextMessage(ws);
  ws.send(Buffer.alloc(100 * 1024, 7));
  assert.equal((await reply).length, 100 * 1024);
  const closed = closing(ws);
  await ending.stop();
  assert.deepEqual(await closed, { code: 1001, reason: "The tunnel closed" });

  const dropped = await open("sockets");
  const droppedClose = closing(dropped);
  dropped.send("drop");
  assert.deepEqual(await droppedClose, { code: 1006, reason: "" });
});

test("a quiet WebSocket is not closed by any idle timeout", async (t) => {
  // A relay whose headers and keep-alive timeouts (15 s and 60 s by default) are shortened below
  // the pooled-channel idle timeout (4 s): the wait past all three is then seconds, not a minute.
  const quick = await startEdgeTestRelay({
    db: testDb.db,
    headersTimeoutMs: 1_000,
    keepAliveTimeoutMs: 1_000,
  });
  t.after(() => quick.close());
  const client = await startSshTunnel(quick, "quiet", app.port);
  t.after(() => client.stop());
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${quick.httpPort}/ws`, {
      headers: { host: `quiet.${TEST_DOMAIN}` },
    });
    socket.once("open", () => resolve(socket)).once("error", reject);
  });
  let closed = false;
  ws.once("close", () => {
    closed = true;
  });
  await sleep(IDLE_CHANNEL_MS + 1_000);
  assert.equal(closed, false);
  const reply = nextMessage(ws);
  ws.send("still there?");
  assert.equal((await reply).toString(), "still there?");
  ws.close();
});

test("an app that declines the upgrade gets its answer passed on, then the connection closes", async () => {
  const answer = await rawExchange(
    relay.httpPort,
    `GET /plain HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  assert.match(answer, /^HTTP\/1\.1 426 /);
  assert.match(answer, /\r\n\r\nno$/);
});

test("upgrades to unknown names get the 404 page", async () => {
  const answer = await rawExchange(
    relay.httpPort,
    `GET /ws HTTP/1.1\r\nHost: nobody.${TEST_DOMAIN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
  );
  assert.match(answer, /^HTTP\/1\.1 404 /);
  assert.match(answer, /No such tunnel/);
});

test("a WebSocket and an event stream still open when the relay shuts down have their rows finished before it exits", async () => {
  // The event stream never ends: the drain waits for it this long.
  const other = await startEdgeTestRelay({ db: testDb.db, drainTimeoutMs: 300 });
  const otherClient = await startSshTunnel(other, "leaving", app.port);
  try {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${other.httpPort}/ws`, {
        headers: { host: `leaving.${TEST_DOMAIN}` },
      });
      socket.once("open", () => resolve(socket));
      socket.once("error", reject);
    });
    const reply = nextMessage(ws);
    ws.send("before shutdown");
    assert.equal((await reply).toString(), "before shutdown");
    const events = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({
          host: "127.0.0.1",
          port: other.httpPort,
          path: "/events",
          headers: { host: `leaving.${TEST_DOMAIN}` },
          setHost: false,
        })
        .once("response", resolve)
        .once("error", reject);
    });
    events.resume();
    events.on("error", () => {});
    const where = { name: "leaving" };
    await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 2, "the open rows");
    const closedByRelay = closing(ws);
    const appClosesBefore = appCloses.length;
    await other.edge.close();
    // Told with a close frame, so a browser's app reconnects instead of reporting a network fault.
    assert.deepEqual(await closedByRelay, { code: 1001, reason: "Relay restarting" });
    // And so is the app's WebSocket server, for the visitor.
    await waitFor(() => appCloses.length > appClosesBefore, "the app's side to close");
    assert.deepEqual(appCloses.at(-1), { code: 1001, reason: "Relay restarting" });
    const rows = await testDb.db.requestLog.findMany({ where, orderBy: { path: "asc" } });
    assert.deepEqual(
      rows.map((r) => [r.path, r.open]),
      [
        ["/events", false],
        ["/ws", false],
      ],
      "their ends were written before close() returned",
    );
    assert.ok(rows.every((r) => r.bytesOut > 0n));
  } finally {
    await otherClient.stop();
    await other.close();
  }
});

test("a checkpoint writes an open WebSocket's bytes so far into its row, which stays open", async () => {
  const ws = await connect("/ws?watched");
  const reply = nextMessage(ws);
  ws.send("so far");
  assert.equal((await reply).toString(), "so far");
  const where = { name: "sockets", path: "/ws?watched" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the open row");
  const opened = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(opened.open, true);
  assert.equal(opened.bytesIn, 0n, "written at the handshake");
  relay.edge.checkpoint(opened.streamKey!);
  await waitFor(
    async () => (await testDb.db.requestLog.findFirstOrThrow({ where })).bytesIn > 0n,
    "the checkpoint",
  );
  const watched = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(watched.open, true, "still open");
  assert.ok(watched.bytesOut > 0n);
  assert.ok(watched.durationMs > opened.durationMs);
  relay.edge.checkpoint("no-such-key");
  ws.close();
  await waitFor(async () => !(await testDb.db.requestLog.findFirstOrThrow({ where })).open, "the end");
});

test("unwatched, an open WebSocket's row is brought up to date while it moves data, and left alone while quiet", async () => {
  const ticking = await startEdgeTestRelay({ db: testDb.db, openProgressMs: 300 });
  const tunnel = await startSshTunnel(ticking, "sockets", app.port);
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${ticking.httpPort}/ws?unwatched`, { headers: { host } });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const where = { name: "sockets", path: "/ws?unwatched" };
    const row = () => testDb.db.requestLog.findFirstOrThrow({ where });
    await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the open row");
    const reply = nextMessage(ws);
    ws.send("x".repeat(1000));
    await reply;
    await waitFor(async () => (await row()).bytesOut > 1000n, "the bytes so far, unasked");
    const moving = await row();
    assert.equal(moving.open, true, "still open");
    assert.ok(moving.bytesIn > 1000n);
    // Quiet: no more updates (its time so far stays as it was written).
    await sleep(1_000);
    assert.equal((await row()).durationMs, moving.durationMs);
    ws.close();
    await waitFor(async () => !(await row()).open, "the end");
  } finally {
    await tunnel.stop();
    await ticking.close();
  }
});

test("an event stream is said to be open in the owner's terminal as soon as it starts", async () => {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    http
      .get({ port: relay.httpPort, host: "127.0.0.1", path: "/events", headers: { host } }, resolve)
      .on("error", reject),
  );
  assert.equal(res.statusCode, 200);
  const first = await new Promise<string>((resolve) =>
    res.once("data", (chunk: Buffer) => resolve(chunk.toString())),
  );
  assert.match(first, /data: hi/);
  assert.ok(relay.traces.get("sockets")?.lines.includes("GET /events 200 open"));
  res.destroy();
});
