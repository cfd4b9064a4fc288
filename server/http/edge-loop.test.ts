import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  getEdgeHttps,
  httpsEnv,
  type LocalApp,
  makeTestCertificate,
  rawExchange,
  requestEdge,
  startEdgeFixture,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
/** Calls the `echo` tunnel through the relay with its own request's headers, as a proxying app does. */
let front: LocalApp;
/** The session row of the looping tunnel, where the tunnel page reads notices. */
let circleSession: string;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgeloop",
    // The `echo` tunnel's app: answers with the CDN-Loop header it was sent.
    app: (req, res) => res.end(`cdn-loop: ${req.headers["cdn-loop"]}`),
  });
  ({ testDb, relay } = fixture);
  const user = await testDb.db.user.create({ data: { email: "loop@example.com", passwordHash: "x" } });
  front = await startLocalApp((req, res) => {
    const onward = http.request(
      {
        port: relay.httpPort,
        host: "127.0.0.1",
        path: req.url,
        headers: { ...req.headers, host: `echo.${TEST_DOMAIN}` },
      },
      (answer) => answer.pipe(res),
    );
    onward.on("error", () => res.destroy());
    onward.end();
  });
  // The mistake: `ssh -R circle:80:localhost:8080` on the relay's machine.
  const session = await testDb.db.tunnelSession.create({
    data: { name: "circle", userId: user.id, clientIp: "127.0.0.1" },
  });
  circleSession = session.id;
  relay.sessionIds.set("circle", session.id);
  await fixture.openTunnel("circle", relay.httpPort);
  await fixture.openTunnel("echo");
  await fixture.openTunnel("front", front.port);
});

after(async () => {
  await fixture?.close();
  await front?.close();
});

test("a tunnel that forwards to the relay itself: the request comes back once and gets 508, and the owner is told once", async () => {
  for (let i = 0; i < 2; i++) {
    const res = await requestEdge(relay, { host: `circle.${TEST_DOMAIN}`, path: `/visit${i}` });
    assert.equal(res.status, 508);
    assert.match(res.body, /Tunnel loops back to the relay/);
  }
  // One row per visit, the visitor's, saying what happened: not hundreds, nor the one that came back.
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "circle" } })) === 2,
    "a row per visit",
  );
  const rows = await testDb.db.requestLog.findMany({ where: { name: "circle" }, orderBy: { id: "asc" } });
  assert.deepEqual(
    rows.map((row) => [row.path, row.status, row.error]),
    [
      ["/visit0", 508, "tunnel_loop"],
      ["/visit1", 508, "tunnel_loop"],
    ],
  );
  const lines = relay.traces.get("circle")?.lines ?? [];
  const told = lines.filter((line) => line.includes("come back to the relay"));
  assert.equal(told.length, 1, lines.join("\n"));
  assert.match(told[0]!, /Reconnect with the port your app listens on: -R circle:80:localhost:<port>\.$/);
  // The relay's own port as configured (the test relay's is not 8080).
  assert.ok(
    told[0]!.includes(`relay's own port (localhost:${relay.httpPort} on the relay's machine)`),
    told[0],
  );
  assert.ok(
    lines.some((line) => /^GET \/visit0 508 [\d.]+ms \(came back to the relay/.test(line)),
    lines.join("\n"),
  );
  await waitFor(
    async () =>
      (await testDb.db.tunnelSession.findUniqueOrThrow({ where: { id: circleSession } })).notice === told[0],
    "the notice on the tunnel page",
  );
});

test("a WebSocket upgrade through a tunnel to the relay itself gets 508 too", async () => {
  const answer = await rawExchange(
    relay.httpPort,
    `GET /socket HTTP/1.1\r\nHost: circle.${TEST_DOMAIN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  assert.match(answer, /^HTTP\/1\.1 508 /);
  assert.match(answer, /Tunnel loops back to the relay/);
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "circle", path: "/socket" } })) === 1,
    "the upgrade's row",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "circle", path: "/socket" } });
  assert.deepEqual([row.upgrade, row.status, row.error], [true, 508, "tunnel_loop"]);
});

test("an app that calls another tunnel with its request's headers is not a loop; a visitor's CDN-Loop is kept", async () => {
  const res = await requestEdge(relay, {
    host: `front.${TEST_DOMAIN}`,
    path: "/",
    headers: { "cdn-loop": "cloudflare, burrow-forged" },
  });
  assert.equal(res.status, 200, res.body);
  // The visitor's entries, then front's mark, then echo's: each tunnel adds its own.
  const marks = /^cdn-loop: cloudflare, burrow-forged, (burrow-[\w-]{12}), (burrow-[\w-]{12})$/.exec(
    res.body,
  );
  assert.ok(marks, res.body);
  assert.notEqual(marks[1], marks[2]);
});

test("a replay through a tunnel to the relay itself comes back once, and its row says so", async () => {
  await relay.edge.replay({
    name: "circle",
    method: "GET",
    path: "/replayed",
    headers: ["Host", `circle.${TEST_DOMAIN}`],
    body: null,
    clientIp: "198.51.100.4",
    userAgent: null,
    hostLocalhost: false,
    keepBodies: false,
    replayOf: null,
  });
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { path: "/replayed", admission: "REPLAY" } })) === 1,
    "the replay's row",
  );
  // Had the replay carried no mark, the request would have gone round once more, with rows of its own.
  const rows = await testDb.db.requestLog.findMany({ where: { name: "circle", path: "/replayed" } });
  assert.deepEqual(
    rows.map((row) => [row.admission, row.status, row.error]),
    [["REPLAY", 508, "tunnel_loop"]],
  );
});

test("with HTTPS on, a tunnel to the relay's plain-HTTP port gets 508, not a redirect to itself for ever", async () => {
  const certDir = mkdtempSync(join(tmpdir(), "burrow-loop-tls-"));
  makeTestCertificate(certDir);
  const secure = await startEdgeTestRelay({ db: testDb.db, env: httpsEnv(certDir) });
  // `ssh -R spiral:80:relay.example.com:80` where port 80 sends plain HTTP to https.
  const spiral = await startSshTunnel(secure, "spiral", secure.httpPort);
  try {
    const { status } = await getEdgeHttps(secure.httpsPort ?? 0, `spiral.${TEST_DOMAIN}`, "/");
    assert.equal(status, 508);
  } finally {
    await spiral.stop();
    await secure.close();
    rmSync(certDir, { recursive: true, force: true });
  }
});
