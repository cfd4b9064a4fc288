import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, test } from "node:test";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  makeTestCertificate,
  rawExchange,
  requestEdge,
  startEdgeFixture,
  startLocalApp,
  startSocksTunnel,
  startSshTunnel,
  TEST_DOMAIN,
  unusedPort,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: LocalApp;
let appRequests = 0;
/** Dev servers started with HTTPS, and a server that hangs up on every connection. */
let httpsApp: https.Server;
let httpsApp2: https.Server;
let plainAgain: http.Server | undefined;
let hangUp: TcpServer;
let strictApp: LocalApp;
let sshLike: TcpServer;
let nextDev: http.Server;
/** The owner fixed their app: the host check lets the tunnel's host in, Next.js its origin. */
let strictAllows = false;
let nextAllows = false;
const certDir = mkdtempSync(join(tmpdir(), "burrow-routing-"));

async function listening<S extends http.Server | TcpServer>(server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgerouting",
    app: (_req, res) => {
      appRequests += 1;
      res.end("hello from the app");
    },
    tunnels: ["live"],
  });
  ({ testDb, relay, app } = fixture);
  const user = await testDb.db.user.create({ data: { email: "routing@example.com", passwordHash: "x" } });
  await testDb.db.reservation.create({ data: { name: "sleepy", userId: user.id } });
  // A tunnel whose local port has nothing listening: OpenSSH accepts the forward, then fails the
  // channel ("connect failed") for every visitor.
  await fixture.openTunnel("deadport", await unusedPort());
  const { cert, key } = makeTestCertificate(certDir);
  const secureApp = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk));
    req.on("end", () => res.end(`secure ${req.url}${body ? ` ${body}` : ""}`));
  };
  httpsApp = https.createServer({ cert, key }, secureApp);
  httpsApp.on("upgrade", (_req, socket: Duplex) =>
    socket.end(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nupgraded over tls",
    ),
  );
  await fixture.openTunnel("secure", await listening(httpsApp));
  httpsApp2 = https.createServer({ cert, key }, secureApp);
  await fixture.openTunnel("secure2", await listening(httpsApp2));
  hangUp = createTcpServer((socket) => socket.destroy());
  await fixture.openTunnel("rude", await listening(hangUp));
  // A dev server with a host check (Vite's words), and an ordinary 403 on another path.
  strictApp = await startLocalApp((req, res) => {
    if (strictAllows) {
      res.end("the app");
      return;
    }
    res.writeHead(403, { "content-type": "text/plain" });
    res.end(
      req.url === "/private"
        ? "Forbidden"
        : `Blocked request. This host ("${req.headers.host}") is not allowed.\nTo allow this host, add it to \`server.allowedHosts\` in vite.config.js.`,
    );
  });
  const strictSession = await testDb.db.tunnelSession.create({
    data: { name: "strict", userId: user.id, clientIp: "127.0.0.1" },
  });
  relay.sessionIds.set("strict", strictSession.id);
  await fixture.openTunnel("strict", strictApp.port);
  // The tunnel forwards to an ssh server's port, not a web app's.
  sshLike = createTcpServer((socket) => {
    socket.on("error", () => {});
    socket.end("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  });
  await fixture.openTunnel("wrongport", await listening(sshLike));
  // Next.js's dev server refusing its live-reload socket from an origin not in allowedDevOrigins
  // (block-cross-site-dev.js: res.end('Unauthorized') on the raw socket).
  nextDev = http.createServer((_req, res) => res.end("<h1>next page</h1>"));
  nextDev.on("upgrade", (_req, socket: Duplex) =>
    socket.end(
      nextAllows
        ? "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        : "Unauthorized",
    ),
  );
  const nextSession = await testDb.db.tunnelSession.create({
    data: { name: "nextdev", userId: user.id, clientIp: "127.0.0.1" },
  });
  relay.sessionIds.set("nextdev", nextSession.id);
  await fixture.openTunnel("nextdev", await listening(nextDev));
});

after(async () => {
  await fixture?.close();
  await strictApp?.close();
  sshLike?.close();
  nextDev?.close();
  httpsApp?.close();
  httpsApp2?.close();
  plainAgain?.close();
  hangUp?.close();
  rmSync(certDir, { recursive: true, force: true });
});

/** A WebSocket upgrade of /socket on the name's tunnel, as raw HTTP. */
function socketUpgrade(name: string): string {
  return (
    `GET /socket HTTP/1.1\r\nHost: ${name}.${TEST_DOMAIN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
  );
}

/** The status code of a raw HTTP answer. */
function statusOf(answer: string): number {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
  return match ? Number(match[1]) : 0;
}

test("a live tunnel is reached whatever the case of the host and with a port", async () => {
  for (const host of [
    `live.${TEST_DOMAIN}`,
    `LIVE.${TEST_DOMAIN.toUpperCase()}`,
    `live.${TEST_DOMAIN}:8080`,
  ]) {
    const res = await requestEdge(relay, { host });
    assert.equal(res.status, 200, host);
    assert.equal(res.body, "hello from the app");
  }
});

test("hostile Host headers get 400 or 404 and never reach a tunnel", async () => {
  const before = appRequests;
  const cases: [string, number][] = [
    [`../etc/passwd.${TEST_DOMAIN}`, 400],
    [`..%2f..%2fetc%2fpasswd.${TEST_DOMAIN}`, 400],
    [`live.${TEST_DOMAIN}/../../etc/passwd`, 400],
    [`live.${TEST_DOMAIN}?x=1`, 400],
    [`live/.${TEST_DOMAIN}`, 400],
    ["", 400],
    [`${"a".repeat(300)}.${TEST_DOMAIN}`, 400],
    [`caf\u00c3\u00a9.${TEST_DOMAIN}`, 400],
    [`live.${TEST_DOMAIN}:80:80`, 400],
    [`xn--caf-dma.${TEST_DOMAIN}`, 404],
    [`a.live.${TEST_DOMAIN}`, 404],
    ["127.0.0.1", 404],
    ["[::1]:80", 404],
    ["example.com", 404],
    [`live.${TEST_DOMAIN}.evil.com`, 404],
  ];
  for (const [host, status] of cases) {
    const answer = await rawExchange(
      relay.httpPort,
      Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, "latin1"),
    );
    assert.equal(statusOf(answer), status, `Host: ${JSON.stringify(host)} → ${answer.slice(0, 60)}`);
    assert.doesNotMatch(answer, /hello from the app|root:/);
  }
  const missing = await rawExchange(relay.httpPort, "GET / HTTP/1.0\r\n\r\n");
  assert.equal(statusOf(missing), 400, "no Host header at all");
  assert.match(missing, /names no host \(no Host header\)/);
  const absolute = await rawExchange(
    relay.httpPort,
    `GET http://live.${TEST_DOMAIN}/ HTTP/1.1\r\nHost: other.${TEST_DOMAIN}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(absolute), 400, "an absolute-form target naming another host is refused");
  const twoHosts = await rawExchange(
    relay.httpPort,
    `GET / HTTP/1.1\r\nHost: live.${TEST_DOMAIN}\r\nHost: other.${TEST_DOMAIN}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(twoHosts), 400, "two Host headers are refused");
  assert.match(twoHosts, /more than one Host header/);
  assert.equal(appRequests, before, "no hostile request reached the app");
});

test("the bare domain gets the relay's own page", async () => {
  const res = await requestEdge(relay, { host: TEST_DOMAIN });
  assert.equal(res.status, 404);
  assert.match(res.body, /This is a Burrow relay/);
  assert.match(res.headers["content-type"] ?? "", /^text\/html/);
});

test("an unknown name gets 404 'No such tunnel' and no log row", async () => {
  const res = await requestEdge(relay, { host: `nobody-here.${TEST_DOMAIN}`, path: "/x" });
  assert.equal(res.status, 404);
  assert.match(res.body, /No such tunnel/);
  assert.doesNotMatch(res.body, /<script|https?:\/\//, "no scripts or external assets");
  await relay.edge.logWriter?.flush();
  assert.equal(await testDb.db.requestLog.count({ where: { name: "nobody-here" } }), 0);
});

test("a reserved name with no client gets 503 'Tunnel offline' and a tunnel_offline row", async () => {
  const res = await requestEdge(relay, { host: `sleepy.${TEST_DOMAIN}`, path: "/wake?up=1" });
  assert.equal(res.status, 503);
  assert.match(res.body, /Tunnel offline/);
  assert.doesNotMatch(res.body, /routing@example\.com/, "nothing about the owner");
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { name: "sleepy", error: "tunnel_offline" } })) === 1,
    "the tunnel_offline row",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "sleepy" } });
  assert.equal(row.status, 503);
  assert.equal(row.path, "/wake?up=1");
  assert.equal(row.sessionId, null);
  // The log's size is what the visitor received: Burrow's page.
  assert.equal(Number(row.bytesOut), Buffer.byteLength(res.body));
});

test("a random name still kept for its user gets 'Tunnel offline' (its link comes back); past the hold, 404", async () => {
  const user = await testDb.db.user.findUniqueOrThrow({ where: { email: "routing@example.com" } });
  const closed = (name: string, hoursAgo: number) =>
    testDb.db.tunnelSession.create({
      data: {
        name,
        userId: user.id,
        clientIp: "127.0.0.1",
        randomName: true,
        endedAt: new Date(Date.now() - hoursAgo * 3_600_000),
      },
    });
  await closed("k3p7w9x2m4n6b8", 1);
  await closed("q2w4e6r8t0y1u3", 30);
  const kept = await requestEdge(relay, { host: `k3p7w9x2m4n6b8.${TEST_DOMAIN}`, path: "/" });
  assert.equal(kept.status, 503);
  assert.match(kept.body, /Tunnel offline/);
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { name: "k3p7w9x2m4n6b8", error: "tunnel_offline" } })) ===
      1,
    "its owner's log says a visitor came while it was offline",
  );
  const gone = await requestEdge(relay, { host: `q2w4e6r8t0y1u3.${TEST_DOMAIN}`, path: "/" });
  assert.equal(gone.status, 404);
  assert.match(gone.body, /No such tunnel/);
});

test("a tunnel with nothing on its local port gets 502 and a local_unreachable row", async () => {
  const res = await requestEdge(relay, { host: `deadport.${TEST_DOMAIN}`, path: "/" });
  assert.equal(res.status, 502);
  assert.match(res.body, /nothing answers on the local port/i);
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { name: "deadport", error: "local_unreachable" } })) === 1,
    "the local_unreachable row",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "deadport" } });
  assert.equal(Number(row.bytesOut), Buffer.byteLength(res.body));
  assert.ok(relay.traces.get("deadport")?.lines.some((line) => line.includes("nothing answers")));
});

test("an app that answers in HTTPS is found out and served over HTTPS, WebSockets too; a hang-up says the app closed the connection", async () => {
  const first = await requestEdge(relay, { host: `secure.${TEST_DOMAIN}`, path: "/first" });
  assert.equal(first.status, 200, first.body);
  assert.equal(first.body, "secure /first");
  assert.ok(
    relay.traces
      .get("secure")
      ?.lines.some((line) => /your app answers in HTTPS; the relay talks HTTPS/.test(line)),
    "the owner is told",
  );
  const again = await requestEdge(relay, { host: `secure.${TEST_DOMAIN}`, path: "/again" });
  assert.equal(again.body, "secure /again");

  const upgraded = await rawExchange(relay.httpPort, socketUpgrade("secure"));
  assert.equal(statusOf(upgraded), 101, upgraded);
  assert.match(upgraded, /upgraded over tls/);

  const hungUp = await requestEdge(relay, { host: `rude.${TEST_DOMAIN}`, path: "/" });
  assert.equal(hungUp.status, 502);
  assert.match(hungUp.body, /Your app closed the connection without answering/);
  await waitFor(async () => (await testDb.db.requestLog.count({ where: { name: "rude" } })) === 1, "the row");
  const rudeRow = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "rude" } });
  assert.equal(rudeRow.error, "local_closed");
  // A WebSocket it hangs up on is told the same.
  const wsHungUp = await rawExchange(relay.httpPort, socketUpgrade("rude"));
  assert.equal(statusOf(wsHungUp), 502, wsHungUp);
  assert.match(wsHungUp, /Your app closed the connection without answering/);
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "rude", path: "/socket" } })) === 1,
    "the upgrade's row",
  );
  const wsRow = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "rude", path: "/socket" } });
  assert.equal(wsRow.error, "local_closed");
});

test("a first request with a body to an HTTPS app is asked to come again; then it and a restart without HTTPS work", async () => {
  const post = { host: `secure2.${TEST_DOMAIN}`, path: "/form", method: "POST", body: "a=1" };
  const first = await requestEdge(relay, post);
  assert.equal(first.status, 502);
  assert.match(first.body, /The app answers in HTTPS/);
  assert.match(first.body, /send your request again/);
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "secure2", error: "local_tls" } })) === 1,
    "the local_tls row",
  );
  assert.equal((await requestEdge(relay, post)).body, "secure /form a=1");

  // The app is restarted without HTTPS on the same port: the relay goes back to plain HTTP.
  const port = (httpsApp2.address() as AddressInfo).port;
  await new Promise<void>((resolve) => {
    httpsApp2.closeAllConnections();
    httpsApp2.close(() => resolve());
  });
  plainAgain = http.createServer((req, res) => res.end(`plain ${req.url}`));
  await new Promise<void>((resolve) => plainAgain!.listen(port, "127.0.0.1", resolve));
  const plain = await requestEdge(relay, { host: `secure2.${TEST_DOMAIN}`, path: "/plain" });
  assert.equal(plain.body, "plain /plain");
  assert.ok(relay.traces.get("secure2")?.lines.some((line) => /no longer answers in HTTPS/.test(line)));
});

test("a name whose app answers in HTTPS reconnects straight into HTTPS, reserved or random: the first POST goes through", async () => {
  relay.reservationIds.set("secure3", "reservation-secure3");
  // secure4 has no reservation: a random name its user reconnects to (-R <name>:80:…).
  for (const name of ["secure3", "secure4"]) {
    const post = { host: `${name}.${TEST_DOMAIN}`, path: "/form", method: "POST", body: "b=2" };
    let client = await startSshTunnel(relay, name, (httpsApp.address() as AddressInfo).port);
    try {
      assert.equal(
        (await requestEdge(relay, post)).status,
        502,
        `${name}: the first tunnel finds out on a POST`,
      );
      await client.stop();
      await waitFor(() => relay.registry.get(name) === undefined, "the tunnel to leave");
      client = await startSshTunnel(relay, name, (httpsApp.address() as AddressInfo).port);
      const again = await requestEdge(relay, post);
      assert.equal(again.status, 200, `${name}: ${again.body}`);
      assert.equal(again.body, "secure /form b=2");
      assert.ok(
        relay.traces
          .get(name)
          ?.lines.some((line) => /your app answers in HTTPS, as it did last time/.test(line)),
        `${name}: the new session is told why the relay talks HTTPS`,
      );
      // Next time the name forwards to a plain-HTTP app: it is served, and the session is not told
      // its app "no longer" answers in HTTPS (it never did in this session).
      await client.stop();
      await waitFor(() => relay.registry.get(name) === undefined, "the tunnel to leave");
      client = await startSshTunnel(relay, name, app.port);
      const told = relay.traces.get(name)?.lines.length ?? 0;
      const plain = await requestEdge(relay, { host: `${name}.${TEST_DOMAIN}`, path: "/" });
      assert.deepEqual([plain.status, plain.body], [200, "hello from the app"]);
      const since = relay.traces.get(name)?.lines.slice(told) ?? [];
      assert.ok(!since.some((line) => /HTTPS/.test(line)), since.join("\n"));
    } finally {
      await client.stop();
    }
  }
});

test("a WebSocket upgrade to a dead local port gets 502, logged with the page's size", async () => {
  const answer = await rawExchange(relay.httpPort, socketUpgrade("deadport"));
  assert.equal(statusOf(answer), 502);
  const where = { name: "deadport", path: "/socket" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the upgrade row");
  const row = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(row.upgrade, true);
  assert.equal(row.error, "local_unreachable");
  const body = answer.slice(answer.indexOf("\r\n\r\n") + 4);
  assert.equal(Number(row.bytesOut), Buffer.byteLength(body, "latin1"));
});

test("malformed HTTP gets 400 and the connection is closed", async () => {
  const answer = await rawExchange(relay.httpPort, "THIS IS NOT HTTP\r\n\r\n");
  assert.equal(statusOf(answer), 400);
  const badHeader = await rawExchange(
    relay.httpPort,
    `GET / HTTP/1.1\r\nHost: live.${TEST_DOMAIN}\r\nBad Header\r\n\r\n`,
  );
  assert.equal(statusOf(badHeader), 400);
  // A path with raw UTF-8 (a script that did not encode it) is told what to do.
  const unencoded = await rawExchange(
    relay.httpPort,
    Buffer.from(`GET /caf\u00e9 menu HTTP/1.1\r\nHost: live.${TEST_DOMAIN}\r\n\r\n`, "utf8"),
  );
  assert.equal(statusOf(unencoded), 400);
  assert.match(unencoded, /spaces and non-ASCII characters must be percent-encoded/);
});

test("oversized headers get 431", async () => {
  const answer = await rawExchange(
    relay.httpPort,
    `GET / HTTP/1.1\r\nHost: live.${TEST_DOMAIN}\r\nX-Big: ${"b".repeat(20 * 1024)}\r\n\r\n`,
  );
  assert.equal(statusOf(answer), 431);
});

test("the Host header value is HTML-escaped if ever echoed (pages echo nothing)", async () => {
  const res = await requestEdge(relay, { host: `<script>.${TEST_DOMAIN}` });
  assert.equal(res.status, 400);
  assert.doesNotMatch(res.body, /<script>/);
});

test("OPTIONS * is answered 501 by the relay and never reaches the app; other methods with * get 400", async () => {
  const before = appRequests;
  const options = await rawExchange(
    relay.httpPort,
    `OPTIONS * HTTP/1.1\r\nHost: live.${TEST_DOMAIN}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(options), 501);
  assert.match(options, /does not pass server-wide OPTIONS \* requests/);
  const get = await rawExchange(
    relay.httpPort,
    `GET * HTTP/1.1\r\nHost: live.${TEST_DOMAIN}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(get), 400);
  assert.equal(appRequests, before);
});

test("an absolute-form target naming the Host (curl -x) is served as its path", async () => {
  const host = `live.${TEST_DOMAIN}:${relay.httpPort}`;
  const answer = await rawExchange(
    relay.httpPort,
    `GET http://${host}/hello?x=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(statusOf(answer), 200);
  assert.match(answer, /hello from the app/);
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "live", path: "/hello?x=1" } })) === 1,
    "its row, with the path as the app got it",
  );
});

test("CONNECT gets 501 'not a proxy' instead of a connection closed without a word", async () => {
  const before = appRequests;
  const answer = await rawExchange(
    relay.httpPort,
    `CONNECT live.${TEST_DOMAIN}:80 HTTP/1.1\r\nHost: live.${TEST_DOMAIN}:80\r\n\r\n`,
  );
  assert.equal(statusOf(answer), 501);
  assert.match(answer, /The relay is not a proxy: it does not open CONNECT tunnels/);
  assert.equal(appRequests, before);
});

test("an app whose host check refuses the tunnel's name: the visitor gets its page, the owner is told once what to do", async () => {
  const hints = () =>
    relay.traces.get("strict")?.lines.filter((line) => line.includes("refused the host name")) ?? [];
  const forbidden = await requestEdge(relay, { host: `strict.${TEST_DOMAIN}`, path: "/private" });
  assert.equal(forbidden.status, 403);
  assert.deepEqual(hints(), [], "an ordinary 403 is not a host check");

  for (const path of ["/", "/again"]) {
    const blocked = await requestEdge(relay, { host: `strict.${TEST_DOMAIN}`, path });
    assert.equal(blocked.status, 403);
    assert.match(blocked.body, /^Blocked request\. This host \("strict\./, "the app's own page, unchanged");
  }
  const told =
    `strict: your app (Vite) refused the host name strict.${TEST_DOMAIN}, so visitors get its error page. ` +
    `To let it in, add server.allowedHosts: ['strict.${TEST_DOMAIN}'] to vite.config.js, or have ` +
    "Burrow send it Host: localhost (Access & sharing): " +
    `${relay.config.BURROW_DASHBOARD_URL.replace(/\/+$/, "")}/tunnels/strict/access.`;
  assert.deepEqual(hints(), [told]);
  // The tunnel page shows the same advice: it is kept on the tunnel's session.
  const notice = async () =>
    (await testDb.db.tunnelSession.findFirstOrThrow({ where: { name: "strict" } })).notice;
  await waitFor(async () => (await notice()) === told, "the notice on the session");

  // The owner lets the host in: the first answer that gets through takes the notice off the page.
  strictAllows = true;
  assert.equal((await requestEdge(relay, { host: `strict.${TEST_DOMAIN}`, path: "/" })).status, 200);
  await waitFor(async () => (await notice()) === null, "the notice gone from the session");
  // Should the app refuse again (the change undone), the owner hears it again.
  strictAllows = false;
  assert.equal((await requestEdge(relay, { host: `strict.${TEST_DOMAIN}`, path: "/" })).status, 403);
  assert.deepEqual(hints(), [told, told]);
  await waitFor(async () => (await notice()) === told, "the notice back on the session");
});

test("a tunnel to a port that does not speak HTTP (an ssh server's) says so, not 'nothing answers'", async () => {
  const res = await requestEdge(relay, { host: `wrongport.${TEST_DOMAIN}`, path: "/" });
  assert.equal(res.status, 502);
  assert.match(res.body, /The app does not answer in HTTP/);
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "wrongport" } })) === 1,
    "the row",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "wrongport" } });
  assert.equal(row.error, "local_not_http");
  // Its owner is told what to check, once: a second visitor's request does not say it again.
  assert.equal((await requestEdge(relay, { host: `wrongport.${TEST_DOMAIN}`, path: "/" })).status, 502);
  await waitFor(() => (relay.traces.get("wrongport")?.lines.length ?? 0) >= 3, "the second line");
  const lines = relay.traces.get("wrongport")?.lines ?? [];
  const gets = lines.filter((line) => line.startsWith("GET "));
  assert.equal(gets.length, 2, lines.join("\n"));
  for (const line of gets)
    assert.match(line, /^GET \/ 502 [\d.]+ms \(what answers on the local port does not speak HTTP\)$/);
  const advice = lines.filter((line) => !line.startsWith("GET "));
  assert.equal(advice.length, 1, lines.join("\n"));
  assert.match(
    advice[0]!,
    /^wrongport: what answers on your local port does not speak HTTP.*Is the port in your -R your web app's\? .*\(an SSH or database port\?\)/,
  );
});

test("an -R with no local address (OpenSSH's SOCKS proxy) says so to the visitor, the log and its owner, once", async () => {
  const socks = await startSocksTunnel(relay, "nolocal");
  try {
    const res = await requestEdge(relay, { host: `nolocal.${TEST_DOMAIN}`, path: "/" });
    assert.equal(res.status, 502);
    assert.match(res.body, /The tunnel forwards to no app/);
    await waitFor(
      async () => (await testDb.db.requestLog.count({ where: { name: "nolocal" } })) === 1,
      "the row",
    );
    const row = await testDb.db.requestLog.findFirstOrThrow({ where: { name: "nolocal" } });
    assert.equal(row.error, "local_socks");
    // A WebSocket gets the same answer; the owner is told once what to type instead.
    const ws = await rawExchange(relay.httpPort, socketUpgrade("nolocal"));
    assert.equal(statusOf(ws), 502, ws);
    assert.match(ws, /The tunnel forwards to no app/);
    const lines = relay.traces.get("nolocal")?.lines ?? [];
    assert.match(
      lines.find((line) => line.startsWith("GET / ")) ?? "",
      /\(your -R has no local address: ssh made it a SOCKS proxy\)$/,
    );
    const advice = lines.filter((line) => line.startsWith("nolocal: "));
    assert.deepEqual(advice, [
      "nolocal: your -R has no local address (-R nolocal:80), so OpenSSH made it a SOCKS proxy and visitors get an error page. Reconnect with -R nolocal:80:localhost:<your app's port>.",
    ]);
  } finally {
    await socks.stop();
  }
});

test("Next.js dev refusing its live-reload socket from the tunnel's host: the owner is told to add it to allowedDevOrigins, once", async () => {
  const page = await requestEdge(relay, { host: `nextdev.${TEST_DOMAIN}`, path: "/" });
  assert.equal(page.status, 200, "its pages load");
  const hmr = () =>
    rawExchange(
      relay.httpPort,
      `GET /_next/webpack-hmr?id=x HTTP/1.1\r\nHost: nextdev.${TEST_DOMAIN}:8080\r\nOrigin: http://nextdev.${TEST_DOMAIN}:8080\r\n` +
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
  for (let i = 0; i < 2; i++) {
    const answer = await hmr();
    assert.equal(statusOf(answer), 502, answer);
    assert.match(answer, /The app does not answer in HTTP/);
  }
  const hints = relay.traces.get("nextdev")?.lines.filter((line) => line.includes("allowedDevOrigins")) ?? [];
  assert.deepEqual(hints, [
    `nextdev: your app (Next.js dev) refused its live-reload connection from nextdev.${TEST_DOMAIN}: add ` +
      `allowedDevOrigins: ['nextdev.${TEST_DOMAIN}'] to next.config.js and restart next dev. Until then pages ` +
      "through the tunnel do not reload on save, and may not respond to clicks.",
  ]);
  const notice = async () =>
    (await testDb.db.tunnelSession.findFirstOrThrow({ where: { name: "nextdev" } })).notice;
  await waitFor(async () => (await notice()) === hints[0], "the notice on the session");
  // allowedDevOrigins set: the live-reload socket opens, and the notice leaves the tunnel page.
  nextAllows = true;
  assert.equal(statusOf(await hmr()), 101);
  await waitFor(async () => (await notice()) === null, "the notice gone from the session");
  await waitFor(
    async () => (await testDb.db.requestLog.count({ where: { name: "nextdev", upgrade: true } })) === 3,
    "the rows",
  );
  const rows = await testDb.db.requestLog.findMany({
    where: { name: "nextdev", upgrade: true },
    orderBy: { id: "asc" },
  });
  assert.deepEqual(
    rows.map((row) => row.error),
    ["local_not_http", "local_not_http", null],
  );
});
