import assert from "node:assert/strict";
import http from "node:http";
import net, { type Socket } from "node:net";
import { after, before, test } from "node:test";
import { parseStoredHeaders } from "../../lib/request-logs/headers.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  rawExchange,
  requestEdge,
  startDroppingApp,
  startEdgeFixture,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";
import { IDLE_CHANNEL_MS } from "./tunnel-pools.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: LocalApp;
/** Lets a test plug in its own handler for one path prefix. */
const routes = new Map<string, http.RequestListener>();
const host = `echo.${TEST_DOMAIN}`;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgeproxy",
    app: (req, res) => {
      for (const [prefix, handler] of routes) {
        if (req.url?.startsWith(prefix)) {
          handler(req, res);
          return;
        }
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
    },
  });
  ({ testDb, relay, app } = fixture);
  const user = await testDb.db.user.create({ data: { email: "edge@example.com", passwordHash: "x" } });
  const session = await testDb.db.tunnelSession.create({
    data: { name: "echo", userId: user.id, clientIp: "127.0.0.1" },
  });
  relay.sessionIds.set("echo", session.id);
  await fixture.openTunnel("echo");
});

after(() => fixture?.close());

test("the app sees the visitor's Host and real forwarding headers; spoofed ones are replaced", async () => {
  const res = await requestEdge(relay, {
    host: `Echo.${TEST_DOMAIN}:${relay.httpPort}`,
    path: "/headers?x=1",
    headers: {
      "x-forwarded-for": "6.6.6.6",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "evil.example",
      forwarded: "for=6.6.6.6;proto=https",
      "x-real-ip": "6.6.6.6",
      "proxy-authorization": "Basic c2VjcmV0",
      "user-agent": "edge-test",
    },
  });
  assert.equal(res.status, 200);
  const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, "/headers?x=1");
  assert.equal(seen.headers.host, `Echo.${TEST_DOMAIN}:${relay.httpPort}`);
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
  assert.equal(seen.headers["x-forwarded-proto"], "http");
  assert.equal(seen.headers["x-forwarded-host"], `Echo.${TEST_DOMAIN}:${relay.httpPort}`);
  assert.equal(seen.headers["x-real-ip"], "127.0.0.1");
  assert.equal(
    seen.headers.forwarded,
    `for=127.0.0.1;host="Echo.${TEST_DOMAIN}:${relay.httpPort}";proto=http`,
  );
  assert.equal(seen.headers["proxy-authorization"], undefined);
  assert.equal(seen.headers["user-agent"], "edge-test");
});

test("200 keep-alive requests on one visitor connection reuse one channel", async () => {
  const before = app.connections();
  const channelsBefore = relay.traces.get("echo")!.channelsOpened;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const visitorSockets = new Set<Socket>();
  agent.on("free", (socket: Socket) => visitorSockets.add(socket));
  try {
    for (let i = 0; i < 200; i++) {
      const res = await requestEdge(relay, { host, path: `/seq/${i}`, agent });
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body) as { url: string }).url, `/seq/${i}`);
    }
  } finally {
    agent.destroy();
  }
  assert.equal(visitorSockets.size, 1, "the visitor used one connection");
  const opened = app.connections() - before;
  assert.ok(opened <= 2, `the app accepted ${opened} connections for 200 requests`);
  assert.ok(relay.traces.get("echo")!.channelsOpened - channelsBefore <= 2);
});

test("an app dropping a reused connection: an idempotent request is retried once on a fresh channel, a POST is not", async () => {
  const seen: string[] = [];
  const flaky = await startDroppingApp(seen);
  const flakyClient = await startSshTunnel(relay, "flaky", flaky.port);
  try {
    const flakyHost = `flaky.${TEST_DOMAIN}`;
    const send = (method: string, path: string) => requestEdge(relay, { host: flakyHost, path, method });
    assert.equal((await send("POST", "/one")).status, 200);
    assert.equal((await send("POST", "/two")).status, 502, "a POST is never sent twice");
    assert.equal((await send("GET", "/three")).status, 200);
    const retried = await send("GET", "/four");
    assert.equal(retried.status, 200);
    assert.equal(retried.body, "ok /four");
    assert.deepEqual(seen, ["POST /one 1", "POST /two 2", "GET /three 1", "GET /four 2", "GET /four 1"]);
  } finally {
    await flakyClient.stop();
    await flaky.close();
  }
});

test("an interim 103 Early Hints answer is skipped and the final response arrives whole", async () => {
  routes.set("/hints", (_req, res) => {
    res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
    res.setHeader("content-type", "text/plain");
    res.end("after hints");
  });
  const res = await requestEdge(relay, { host, path: "/hints" });
  routes.delete("/hints");
  assert.equal(res.status, 200);
  assert.equal(res.body, "after hints");
});

test("server-sent events reach the visitor as they are sent", async () => {
  let secondSent = false;
  let firstSeen: () => void = () => {};
  const firstSeenByVisitor = new Promise<void>((resolve) => {
    firstSeen = resolve;
  });
  routes.set("/sse", (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write("data: first\n\n");
    // Waits for the visitor to have the first event (bounded): a buffering proxy never delivers it
    // before the stream ends, and the visitor check below fails.
    const timer = setTimeout(() => firstSeen(), 5_000);
    void firstSeenByVisitor.then(() => {
      clearTimeout(timer);
      setTimeout(() => {
        secondSent = true;
        res.end("data: second\n\n");
      }, 300);
    });
  });
  const events: { data: string; secondAlreadySent: boolean }[] = [];
  await new Promise<void>((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port: relay.httpPort, path: "/sse", headers: { host }, setHost: false },
      (res) => {
        assert.equal(res.headers["content-type"], "text/event-stream");
        assert.equal(res.headers["content-encoding"], undefined);
        let buffered = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffered += chunk;
          let end = buffered.indexOf("\n\n");
          while (end >= 0) {
            events.push({ data: buffered.slice(0, end), secondAlreadySent: secondSent });
            if (events.length === 1) firstSeen();
            buffered = buffered.slice(end + 2);
            end = buffered.indexOf("\n\n");
          }
        });
        res.on("end", resolve);
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
  routes.delete("/sse");
  assert.deepEqual(events, [
    { data: "data: first", secondAlreadySent: false },
    { data: "data: second", secondAlreadySent: true },
  ]);
});

test("an event stream is in the log while it streams, and its row is finished when it ends", async () => {
  let endStream: () => void = () => {};
  routes.set("/sse-log", (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: hello\n\n");
    endStream = () => res.end("data: bye\n\n");
  });
  const ended = new Promise<string>((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port: relay.httpPort, path: "/sse-log", headers: { host }, setHost: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve(body));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
  const where = { name: "echo", path: "/sse-log" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the open stream's row");
  const opened = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(opened.open, true);
  assert.equal(opened.status, 200);
  assert.ok(parseStoredHeaders(opened.responseHeaders)?.some(([, v]) => v === "text/event-stream"));
  endStream();
  assert.equal(await ended, "data: hello\n\ndata: bye\n\n");
  await waitFor(
    async () => (await testDb.db.requestLog.findFirstOrThrow({ where })).open === false,
    "the stream's row to be finished",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(row.bytesOut, BigInt("data: hello\n\ndata: bye\n\n".length));
  assert.equal(row.error, null);
  assert.equal(await testDb.db.requestLog.count({ where }), 1);
  routes.delete("/sse-log");
});

for (const chunked of [false, true]) {
  test(`a download still going after a while (${chunked ? "chunked, no length" : "with a length"}) is in the log as open with its bytes so far, and finished when it ends`, async () => {
    const slow = await startEdgeTestRelay({ db: testDb.db, longResponseMs: 300 });
    const name = chunked ? "downloads-chunked" : "downloads";
    const tunnel = await startSshTunnel(slow, name, app.port);
    const first = Buffer.alloc(40_000, "a");
    const rest = Buffer.alloc(60_000, "b");
    let finish: () => void = () => {};
    routes.set("/long-download", (_req, res) => {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        ...(chunked ? {} : { "content-length": first.length + rest.length }),
      });
      res.write(first);
      finish = () => res.end(rest);
    });
    try {
      const received = new Promise<number>((resolve, reject) => {
        const req = http.get(
          {
            host: "127.0.0.1",
            port: slow.httpPort,
            path: "/long-download",
            headers: { host: `${name}.${TEST_DOMAIN}` },
            setHost: false,
          },
          (res) => {
            let bytes = 0;
            res.on("data", (chunk: Buffer) => {
              bytes += chunk.length;
            });
            res.on("end", () => resolve(bytes));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
      });
      // A quick answer on the same tunnel meanwhile is written once, closed, as always.
      const quick = await requestEdge(slow, { host: `${name}.${TEST_DOMAIN}`, path: "/quick" });
      assert.equal(quick.status, 200);

      const where = { name, path: "/long-download" };
      await waitFor(
        async () => (await testDb.db.requestLog.count({ where })) === 1,
        "the download's open row",
      );
      const opened = await testDb.db.requestLog.findFirstOrThrow({ where });
      assert.equal(opened.open, true, "in the log while it lasts");
      assert.equal(opened.status, 200);
      assert.equal(opened.bytesOut, BigInt(first.length), "with the bytes sent so far");
      assert.ok(opened.durationMs >= 300);
      const quickRow = await testDb.db.requestLog.findFirstOrThrow({
        where: { name, path: "/quick" },
      });
      assert.equal(quickRow.open, false);

      finish();
      assert.equal(await received, first.length + rest.length);
      await waitFor(
        async () => (await testDb.db.requestLog.findFirstOrThrow({ where })).open === false,
        "the download's row to be finished",
      );
      const done = await testDb.db.requestLog.findFirstOrThrow({ where });
      assert.equal(done.bytesOut, BigInt(first.length + rest.length));
      assert.equal(done.error, null);
      assert.equal(await testDb.db.requestLog.count({ where }), 1, "one row, finished in place");
    } finally {
      routes.delete("/long-download");
      await tunnel.stop();
      await slow.close();
    }
  });
}

test("a chunked upload (no Content-Length) arrives whole, for methods with and without a usual body", async () => {
  routes.set("/chunked", (req, res) => {
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
    });
    // Framing is per hop: a body that has fully arrived may reach the app with a Content-Length.
    req.on("end", () => res.end(`${req.method} ${n}`));
  });
  for (const method of ["POST", "DELETE"]) {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: relay.httpPort,
          method,
          path: "/chunked",
          headers: { host },
          setHost: false,
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c.toString();
          });
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      req.setHeader("transfer-encoding", "chunked");
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(1000, i));
      req.end();
    });
    assert.equal(answer, `${method} 10000`);
  }
  routes.delete("/chunked");
});

test("Expect: 100-continue: the visitor is told to send its body only once the request goes to the app", async () => {
  routes.set("/expect", (req, res) => {
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
    });
    req.on("end", () => res.end(`got ${n}`));
  });
  const socket = net.connect(relay.httpPort, "127.0.0.1");
  let got = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => {
    got += chunk;
  });
  socket.write(`POST /expect HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
  await waitFor(() => got.includes("\r\n\r\n"), "the interim answer");
  assert.equal(got, "HTTP/1.1 100 Continue\r\n\r\n");
  socket.write("hello");
  await waitFor(() => got.endsWith("got 5"), "the app's answer");
  socket.destroy();
  routes.delete("/expect");

  // What the relay answers itself (here a name nobody has) comes at once, without "100 Continue",
  // and the connection closes: the body is never sent.
  const refused = await rawExchange(
    relay.httpPort,
    `POST / HTTP/1.1\r\nHost: nobody.${TEST_DOMAIN}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
  );
  assert.match(refused, /^HTTP\/1\.1 404 /);
  assert.match(refused, /\r\nConnection: close\r\n/i);

  // HTTP/1.0 has no 100 Continue: such a client gets only the app's answer.
  routes.set("/expect10", (req, res) => {
    req.resume();
    req.on("end", () => res.end("got it"));
  });
  const old = await rawExchange(
    relay.httpPort,
    `POST /expect10 HTTP/1.0\r\nHost: ${host}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello`,
  );
  routes.delete("/expect10");
  assert.match(old, /^HTTP\/1\.1 200 /, "no interim 100 before the answer");
  assert.match(old, /got it$/);
});

test("trailer fields after a chunked body reach the visitor, announced by the app's Trailer header", async () => {
  routes.set("/trailers", (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", trailer: "X-Checksum" });
    res.write("hello");
    res.addTrailers({ "X-Checksum": "abc123" });
    res.end();
  });
  const answer = await rawExchange(
    relay.httpPort,
    `GET /trailers HTTP/1.1\r\nHost: ${host}\r\nTE: trailers\r\nConnection: close\r\n\r\n`,
  );
  routes.delete("/trailers");
  assert.match(answer, /\r\ntrailer: X-Checksum\r\n/i);
  assert.match(answer, /\r\n5\r\nhello\r\n0\r\nx-checksum: abc123\r\n\r\n$/i);
});

test("a long poll quiet for longer than the pooled-channel idle timeout still gets its answer", async () => {
  routes.set("/poll", (_req, res) => {
    setTimeout(() => res.end("news"), IDLE_CHANNEL_MS + 1_500);
  });
  const res = await requestEdge(relay, { host, path: "/poll" });
  routes.delete("/poll");
  assert.equal(res.status, 200);
  assert.equal(res.body, "news");
});

test("a pooled channel left idle is closed, and so is the app's connection", async () => {
  let appSocket: Socket | undefined;
  routes.set("/idle", (req, res) => {
    appSocket = req.socket;
    res.end("idle");
  });
  await requestEdge(relay, { host, path: "/idle" });
  routes.delete("/idle");
  assert.ok(appSocket);
  const socket = appSocket as Socket;
  await waitFor(
    () => socket.destroyed,
    "the idle channel's app connection to close",
    IDLE_CHANNEL_MS + 5_000,
  );
});

test("a large download streams through with its length intact", async () => {
  const size = 48 * 1024 * 1024;
  const chunk = Buffer.alloc(256 * 1024, 7);
  routes.set("/download", (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  const received = await new Promise<number>((resolve, reject) => {
    http
      .get(
        { host: "127.0.0.1", port: relay.httpPort, path: "/download", headers: { host }, setHost: false },
        (res) => {
          let n = 0;
          res.on("data", (c: Buffer) => {
            n += c.length;
          });
          res.on("end", () => resolve(n));
          res.on("error", reject);
        },
      )
      .on("error", reject);
  });
  routes.delete("/download");
  assert.equal(received, size);
});

test("request log rows carry the request's fields, and the tunnel counts the traffic", async () => {
  const body = "x".repeat(1234);
  const trace = relay.traces.get("echo")!;
  const requestsBefore = trace.requests;
  routes.set("/logged", (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(201, { "content-type": "text/plain", "set-cookie": "session=app-secret", "x-app": "a" });
      res.end("y".repeat(321));
    });
  });
  const res = await requestEdge(relay, {
    host,
    method: "POST",
    path: "/logged?q=1",
    body,
    headers: {
      "user-agent": "log-test/1.0",
      cookie: "visitor-secret=1",
      authorization: "Bearer visitor-token",
      "X-Trace": "t1",
    },
  });
  routes.delete("/logged");
  assert.equal(res.status, 201);
  const where = { name: "echo", path: "/logged?q=1" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the request log row");
  const r = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(r.method, "POST");
  assert.equal(r.status, 201);
  assert.equal(r.bytesIn, 1234n);
  assert.equal(r.bytesOut, 321n);
  assert.equal(r.clientIp, "127.0.0.1");
  assert.equal(r.userAgent, "log-test/1.0");
  // Headers as the visitor sent them and as the app answered; credentials hidden (null).
  const sent = parseStoredHeaders(r.requestHeaders) ?? [];
  assert.deepEqual(
    sent.filter(([n]) => ["X-Trace", "cookie", "authorization", "host"].includes(n)),
    [
      ["host", host],
      ["cookie", null],
      ["authorization", null],
      ["X-Trace", "t1"],
    ],
  );
  const answered = parseStoredHeaders(r.responseHeaders) ?? [];
  assert.deepEqual(
    answered.filter(([n]) => ["content-type", "set-cookie", "x-app"].includes(n)),
    [
      ["content-type", "text/plain"],
      ["set-cookie", null],
      ["x-app", "a"],
    ],
  );
  assert.doesNotMatch(`${r.requestHeaders}${r.responseHeaders}`, /secret|visitor-token/);
  assert.equal(r.upgrade, false);
  assert.equal(r.admission, "PUBLIC");
  assert.equal(r.error, null);
  assert.equal(r.sessionId, relay.sessionIds.get("echo"));
  assert.ok(r.durationMs > 0 && r.durationMs < 10_000);
  assert.ok(Math.abs(r.at.getTime() - Date.now()) < 60_000);
  await waitFor(() => trace.requests > requestsBefore, "the tunnel counters");
  assert.ok(
    trace.lines.some((line) => /^POST \/logged\?q=1 201 \d+\.\dms$/.test(line)),
    trace.lines.at(-1),
  );
});

test("a visitor leaving mid-download closes the app's connection (no leaked channel)", async () => {
  let appSocketClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    appSocketClosed = resolve;
  });
  routes.set("/endless", (req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 5);
    req.socket.once("close", () => {
      clearInterval(timer);
      appSocketClosed();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port: relay.httpPort, path: "/endless", headers: { host }, setHost: false },
      (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      },
    );
    req.on("error", () => {});
    setTimeout(() => reject(new Error("no data")), 10_000).unref();
  });
  await Promise.race([
    closed,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error("app connection still open")), 10_000).unref(),
    ),
  ]);
  routes.delete("/endless");
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({
        where: { name: "echo", path: "/endless", error: "client_aborted" },
      })) === 1,
    "the client_aborted row",
  );
});

test("when the tunnel client dies mid-response the visitor's connection is cut, not left hanging", async () => {
  const dyingApp = await startLocalApp((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 10_000_000 });
    res.write(Buffer.alloc(64 * 1024));
  });
  const dying = await startSshTunnel(relay, "dying", dyingApp.port);
  try {
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get(
        {
          host: "127.0.0.1",
          port: relay.httpPort,
          path: "/",
          headers: { host: `dying.${TEST_DOMAIN}` },
          setHost: false,
        },
        (res) => {
          res.once("data", () => void dying.stop());
          res.on("end", () => resolve("ended as if complete"));
          res.on("error", () => resolve("cut"));
          res.on("aborted", () => resolve("cut"));
        },
      );
      req.on("error", () => resolve("cut"));
      setTimeout(() => resolve("hanging"), 10_000).unref();
    });
    assert.equal(outcome, "cut");
  } finally {
    await dying.stop();
    await dyingApp.close();
  }
});

test("an app that dies after its response head, before any body, gets the visitor the 502 page, not an empty reply", async () => {
  let calls = 0;
  routes.set("/head-only", (_req, res) => {
    calls += 1;
    res.writeHead(200, { "content-type": "text/plain", "content-length": "100", "x-app": "started" });
    res.flushHeaders();
    // The head is on its way; the app crashes before writing a byte of the body.
    setTimeout(() => res.socket?.destroy(), 20);
  });
  try {
    const answer = await requestEdge(relay, { host, path: "/head-only" });
    assert.equal(answer.status, 502);
    assert.match(answer.body, /Nothing answers on the local port/);
    assert.equal(answer.headers["x-app"], undefined, "the app's head is not mixed into the page");
    assert.equal(calls, 1, "the app answered, so the GET is not sent again");
  } finally {
    routes.delete("/head-only");
  }
  const where = { name: "echo", path: "/head-only" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the request log row");
  const row = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(row.status, 502);
  assert.equal(row.error, "local_unreachable");
  assert.equal(row.responseHeaders, null, "the log shows no app headers for the relay's page");
});
