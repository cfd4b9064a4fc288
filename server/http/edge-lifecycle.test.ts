import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import { AppError } from "../../lib/errors.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import type { AccessGate } from "./access.ts";
import {
  type EdgeTestRelay,
  getEdgeHttps,
  httpsEnv,
  type LocalApp,
  makeTestCertificate,
  rawExchange,
  requestEdge,
  type SshTunnelClient,
  servedCertificateFingerprint,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let testDb: TestDatabase;
let app: LocalApp;
let certDir: string;
const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
/** Resolved by the app when /slow arrives; the app answers /slow when `releaseSlow` is called. */
let slowArrived: () => void = () => {};
let releaseSlow: () => void = () => {};

before(async () => {
  testDb = await createTestDatabase("edgelife");
  certDir = mkdtempSync(join(tmpdir(), "burrow-edge-tls-"));
  makeTestCertificate(certDir);
  app = await startLocalApp((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    if (req.url === "/slow") {
      slowArrived();
      releaseSlow = () => res.end("slow done");
      return;
    }
    if (req.url === "/never") return;
    res.end("ok");
  });
});

after(async () => {
  await app?.close();
  await testDb?.drop();
  rmSync(certDir, { recursive: true, force: true });
});

async function withRelay(
  options: Parameters<typeof startEdgeTestRelay>[0],
  body: (relay: EdgeTestRelay) => Promise<void>,
): Promise<void> {
  const relay = await startEdgeTestRelay(options);
  let client: SshTunnelClient | undefined;
  try {
    client = await startSshTunnel(relay, "life", app.port);
    await body(relay);
  } finally {
    await client?.stop();
    await relay.close();
  }
}

test("HTTPS is served with the configured certificate and the app sees proto https", async () => {
  await withRelay(
    {
      db: testDb.db,
      env: httpsEnv(certDir),
    },
    async (relay) => {
      assert.ok(relay.httpsPort, "an HTTPS port is bound");
      const answer = await getEdgeHttps(relay.httpsPort, `life.${TEST_DOMAIN}`, "/tls");
      assert.deepEqual(answer, { status: 200, body: "ok" });
      const request = seen.findLast((r) => r.url === "/tls")!;
      assert.equal(request.headers["x-forwarded-proto"], "https");
      assert.equal(request.headers["x-forwarded-port"], String(relay.httpsPort));
      assert.equal(request.headers.forwarded, `for=127.0.0.1;host=life.${TEST_DOMAIN};proto=https`);

      // Plain HTTP to a tunnel is sent to its https address; the app never sees that request.
      const plain = await requestEdge(relay, {
        host: `LIFE.${TEST_DOMAIN}:${relay.httpPort}`,
        path: "/plain?a=1",
        method: "POST",
      });
      assert.equal(plain.status, 308);
      assert.equal(plain.headers.location, `https://life.${TEST_DOMAIN}:${relay.httpsPort}/plain?a=1`);
      assert.equal(
        seen.some((r) => r.url.startsWith("/plain")),
        false,
      );
      const foreign = await requestEdge(relay, { host: "evil.example", path: "/" });
      assert.equal(foreign.status, 404, "a host outside the domain is answered, not redirected");
      assert.equal(foreign.headers.location, undefined);
    },
  );
});

test("behind a port mapping (BURROW_TUNNEL_URL), plain-HTTP visitors go to the public HTTPS port", async () => {
  // A relay on high ports whose 80 and 443 are mapped to them (docker -p 443:8443, a balancer).
  await withRelay(
    { db: testDb.db, env: { ...httpsEnv(certDir), BURROW_TUNNEL_URL: `https://*.${TEST_DOMAIN}` } },
    async (relay) => {
      const plain = await requestEdge(relay, { host: `life.${TEST_DOMAIN}`, path: "/mapped?a=1" });
      assert.equal(plain.status, 308);
      assert.equal(plain.headers.location, `https://life.${TEST_DOMAIN}/mapped?a=1`);
    },
  );
});

test("a renewed certificate is served by the running relay", async () => {
  const dir = mkdtempSync(join(tmpdir(), "burrow-edge-renew-"));
  try {
    makeTestCertificate(dir);
    await withRelay({ db: testDb.db, env: httpsEnv(dir), certificateCheckMs: 20 }, async (relay) => {
      const port = relay.httpsPort ?? 0;
      const before = await servedCertificateFingerprint(port);
      const renewed = mkdtempSync(join(tmpdir(), "burrow-edge-renewed-"));
      const { fingerprint } = makeTestCertificate(renewed);
      assert.notEqual(fingerprint, before);
      renameSync(join(renewed, "key.pem"), join(dir, "key.pem"));
      renameSync(join(renewed, "cert.pem"), join(dir, "cert.pem"));
      rmSync(renewed, { recursive: true, force: true });
      await waitFor(
        async () => (await servedCertificateFingerprint(port)) === fingerprint,
        "the renewed certificate",
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("HTTPS settings naming a missing file, a key of another certificate or a non-PEM file stop the start with which and why", async () => {
  const dir = mkdtempSync(join(tmpdir(), "burrow-edge-badtls-"));
  try {
    const other = join(dir, "other");
    mkdirSync(other);
    makeTestCertificate(dir);
    makeTestCertificate(other);
    writeFileSync(join(dir, "junk.pem"), "not a certificate\n");
    const cases: [Record<string, string>, RegExp][] = [
      [
        { ...httpsEnv(dir), BURROW_TLS_CERT: join(dir, "missing.pem") },
        /^BURROW_TLS_CERT .*missing\.pem cannot be read: no such file$/,
      ],
      [
        { ...httpsEnv(dir), BURROW_TLS_KEY: join(other, "key.pem") },
        /do not load: the key is not the certificate's/,
      ],
      [{ ...httpsEnv(dir), BURROW_TLS_CERT: join(dir, "junk.pem") }, /do not load: they must be PEM files/],
    ];
    for (const [env, message] of cases) {
      await assert.rejects(
        startEdgeTestRelay({ db: testDb.db, env }),
        (error: Error) => error instanceof AppError && error.code === "config" && message.test(error.message),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("behind a trusted proxy (BURROW_TRUSTED_PROXIES) the app sees the visitor the proxy saw; anyone else's claims are replaced", async () => {
  await withRelay(
    { db: testDb.db, env: { ...httpsEnv(certDir), BURROW_TRUSTED_PROXIES: "127.0.0.1" } },
    async (relay) => {
      const host = `life.${TEST_DOMAIN}`;
      // What nginx sends: the browser's own claim, then the address it saw; it took the request
      // over HTTPS on 443, so the relay must not redirect it (that would loop).
      const proxied = await requestEdge(relay, {
        host,
        path: "/via-proxy",
        headers: {
          "x-forwarded-for": "10.6.6.6, 198.51.100.7",
          "x-forwarded-proto": "https",
          "x-forwarded-port": "443",
        },
      });
      assert.equal(proxied.status, 200, "served, not redirected to https");
      const fromProxy = seen.findLast((r) => r.url === "/via-proxy")!;
      assert.equal(fromProxy.headers["x-forwarded-for"], "198.51.100.7");
      assert.equal(fromProxy.headers["x-real-ip"], "198.51.100.7");
      assert.equal(fromProxy.headers["x-forwarded-proto"], "https");
      assert.equal(fromProxy.headers["x-forwarded-port"], "443");
      assert.equal(fromProxy.headers.forwarded, `for=198.51.100.7;host=${host};proto=https`);

      // The same headers from a peer that is not a trusted proxy are claims: redirected to HTTPS
      // like any plain-HTTP visitor, and (with the redirect off) replaced by what the relay saw.
      const stranger = await requestEdge(relay, {
        host,
        path: "/from-stranger",
        localAddress: "127.0.0.2",
        headers: { "x-forwarded-for": "198.51.100.7", "x-forwarded-proto": "https" },
      });
      assert.equal(stranger.status, 308);
      assert.equal(
        seen.some((r) => r.url === "/from-stranger"),
        false,
      );
    },
  );
  await withRelay({ db: testDb.db, env: { BURROW_TRUSTED_PROXIES: "127.0.0.1" } }, async (relay) => {
    const answer = await requestEdge(relay, {
      host: `life.${TEST_DOMAIN}`,
      path: "/stranger-claims",
      localAddress: "127.0.0.2",
      headers: { "x-forwarded-for": "198.51.100.7", "x-forwarded-proto": "https", "x-forwarded-port": "443" },
    });
    assert.equal(answer.status, 200);
    const request = seen.findLast((r) => r.url === "/stranger-claims")!;
    assert.equal(request.headers["x-forwarded-for"], "127.0.0.2");
    assert.equal(request.headers["x-forwarded-proto"], "http");
    assert.equal(request.headers["x-forwarded-port"], String(relay.httpPort));
  });
});

test("BURROW_HTTPS_REDIRECT=false serves tunnels over plain HTTP as well", async () => {
  await withRelay(
    {
      db: testDb.db,
      env: { ...httpsEnv(certDir), BURROW_HTTPS_REDIRECT: "false" },
    },
    async (relay) => {
      const plain = await requestEdge(relay, { host: `life.${TEST_DOMAIN}`, path: "/plain-ok" });
      assert.deepEqual([plain.status, plain.body], [200, "ok"]);
    },
  );
});

test("close() lets the request in flight finish, answers 503 to the next one on that connection, and refuses new connections", async () => {
  await withRelay({ db: testDb.db }, async (relay) => {
    const arrived = new Promise<void>((resolve) => {
      slowArrived = resolve;
    });
    const socket = net.connect(relay.httpPort, "127.0.0.1");
    let raw = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      raw += chunk;
    });
    const socketClosed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const host = `life.${TEST_DOMAIN}`;
    socket.write(`GET /slow HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await arrived;

    let closed = false;
    const closing = relay.edge.close().then(() => {
      closed = true;
    });
    // A second request on the same (busy) connection, sent after close() began.
    socket.write(`GET /after HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(closed, false, "close() waits for the request in flight");
    await assert.rejects(
      new Promise((resolve, reject) => {
        const probe = net.connect(relay.httpPort, "127.0.0.1", () => resolve(probe.destroy()));
        probe.on("error", reject);
      }),
      "no new connections while draining",
    );

    releaseSlow();
    await closing;
    await socketClosed;
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*slow done/);
    const second = raw.slice(raw.indexOf("slow done"));
    assert.match(second, /HTTP\/1\.1 503 /, "the pipelined request is answered 503");
    assert.match(second, /\r\nretry-after: 5\r\n/i, "with when to try again");
    assert.ok(!seen.some((r) => r.url === "/after"), "the request after close() never reached the app");
  });
});

test("close() gives up on requests that never finish after the drain timeout", async () => {
  await withRelay({ db: testDb.db, drainTimeoutMs: 300 }, async (relay) => {
    const visitor = http.get({
      host: "127.0.0.1",
      port: relay.httpPort,
      path: "/never",
      headers: { host: `life.${TEST_DOMAIN}` },
      setHost: false,
    });
    // Its app never began to answer: the visitor gets the restarting page, not an empty reply.
    const answer = new Promise<string>((resolve) => {
      visitor.on("error", () => resolve("cut"));
      visitor.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("error", () => resolve("cut")).on("end", () => resolve(`${res.statusCode} ${body}`));
      });
    });
    await waitFor(() => seen.some((r) => r.url === "/never"), "the request to reach the app");
    const started = Date.now();
    await relay.edge.close();
    assert.ok(Date.now() - started < 5_000, "close() is bounded");
    assert.match(await answer, /^503 [\s\S]*The relay is restarting/);
  });
});

test("the access hook can answer itself (requests and upgrades) or forward with edits", async () => {
  const gate: AccessGate = {
    check(request) {
      if (request.path.startsWith("/private")) {
        return {
          action: "respond",
          admission: "DENIED",
          page: "password_asked",
          status: 401,
          headers: { "content-type": "text/plain", "set-cookie": ["a=1; Path=/", "b=2; Path=/"] },
          body: Buffer.from("password please"),
        };
      }
      // Asynchronous on purpose: a gate that looks something up.
      return Promise.resolve({
        action: "forward" as const,
        admission: "PASSWORD" as const,
        path: request.path.replace(/[?&]share=[^&]*/, ""),
        edits: { dropCookies: ["burrow_access"], dropAuthorization: true },
      });
    },
  };
  await withRelay({ db: testDb.db, access: gate }, async (relay) => {
    const host = `life.${TEST_DOMAIN}`;
    const denied = await requestEdge(relay, { host, path: "/private/x" });
    assert.equal(denied.status, 401);
    assert.equal(denied.body, "password please");
    assert.deepEqual(denied.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/"]);
    assert.ok(!seen.some((r) => r.url.startsWith("/private")), "a refused request never reaches the app");

    const upgrade = await rawExchange(
      relay.httpPort,
      `GET /private/ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    assert.match(upgrade, /^HTTP\/1\.1 401 /);
    assert.match(upgrade, /password please$/);

    const allowed = await requestEdge(relay, {
      host,
      path: "/page?share=secret-token",
      headers: { cookie: "burrow_access=abc; theme=dark", authorization: "Basic eDp5" },
    });
    assert.equal(allowed.status, 200);
    const request = seen.findLast((r) => r.url.startsWith("/page"))!;
    assert.equal(request.url, "/page");
    assert.equal(request.headers.cookie, "theme=dark");
    assert.equal(request.headers.authorization, undefined);

    // Upgrades go through the same (asynchronous) gate.
    const ws = new WebSocket(`ws://127.0.0.1:${relay.httpPort}/socket?share=t`, { headers: { host } });
    const status = await new Promise<number>((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("open", () => resolve(101));
      ws.once("error", () => resolve(0));
    });
    ws.terminate();
    // The app has no WebSocket server: it answers the upgrade like a plain request (200 "ok").
    assert.equal(status, 200);
    assert.ok(
      seen.some((r) => r.url === "/socket"),
      "the share parameter is removed for upgrades too",
    );

    await relay.edge.logWriter?.flush();
    const rows = await testDb.db.requestLog.findMany({ where: { name: "life" }, orderBy: { id: "asc" } });
    const denyRow = rows.find((r) => r.path === "/private/x");
    assert.equal(denyRow?.admission, "DENIED");
    assert.equal(denyRow?.status, 401);
    assert.equal(denyRow?.accessPage, "password_asked", "the log names the relay's page");
    const pageRow = rows.find((r) => r.path.startsWith("/page"));
    assert.equal(pageRow?.path, "/page", "the log never sees the share token");
    assert.equal(pageRow?.admission, "PASSWORD");
    assert.equal(pageRow?.accessPage, null, "the app answered");
  });
});

test("a connection to the HTTPS port that never starts its TLS handshake is closed at the headers deadline", async () => {
  await withRelay({ db: testDb.db, env: httpsEnv(certDir), headersTimeoutMs: 500 }, async (relay) => {
    const socket = net.connect(relay.httpsPort!, "127.0.0.1");
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const outcome = await Promise.race([
      closed.then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("still open after 10 s"), 10_000).unref()),
    ]);
    socket.destroy();
    assert.equal(outcome, "closed");
  });
});

test("headers that trickle in too slowly get 408 and the connection closed (slowloris)", async () => {
  await withRelay({ db: testDb.db, headersTimeoutMs: 500 }, async (relay) => {
    const socket = net.connect(relay.httpPort, "127.0.0.1");
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(`GET / HTTP/1.1\r\nHost: life.${TEST_DOMAIN}\r\n`);
    // Keep sending a header byte now and then, never finishing: only a deadline on the whole head
    // (not an idle timeout) stops this.
    const drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 100);
    try {
      await Promise.race([
        closed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("still open after 10 s")), 10_000).unref(),
        ),
      ]);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });
});

test("with BURROW_REQUEST_LOG=false nothing is logged, and requests still flow", async () => {
  await withRelay({ db: testDb.db, env: { BURROW_REQUEST_LOG: "false" } }, async (relay) => {
    assert.equal(relay.edge.logWriter, undefined);
    const res = await requestEdge(relay, { host: `life.${TEST_DOMAIN}`, path: "/unlogged" });
    assert.equal(res.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await testDb.db.requestLog.count({ where: { path: "/unlogged" } }), 0);
  });
});
