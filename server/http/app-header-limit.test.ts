import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeTestRelay,
  makeTestCertificate,
  rawExchange,
  readAnswer,
  type SimpleResponse,
  type SshTunnelClient,
  startEdgeTestRelay,
  startSshTunnel,
  TEST_DOMAIN,
} from "./testing.ts";

/**
 * Response heads over the 64 KiB the relay reads from an app, as QA sent them: each must get the
 * 502 "response headers are too large" page, whether it arrives in one write or several, on a
 * keep-alive or an HTTP/1.0 closing connection, in plain HTTP or HTTPS to the app.
 */
const HEADS: Record<string, { lines: string[]; writes: number }> = {
  "a 1 MB header": { lines: [`X-Big: ${"a".repeat(1024 * 1024)}`], writes: 1 },
  "20 cookies of 4000 bytes": {
    lines: Array.from({ length: 20 }, (_, i) => `Set-Cookie: c${i}=${"v".repeat(4000)}`),
    writes: 1,
  },
  "1500 cookies": {
    lines: Array.from({ length: 1500 }, (_, i) => `Set-Cookie: c${i}=${"v".repeat(40)}`),
    writes: 1,
  },
  "a 200 KB header in two writes": { lines: [`X-Big: ${"a".repeat(200 * 1024)}`], writes: 2 },
  // Just under the limit: passed on.
  "60 KB of headers": { lines: [`X-Big: ${"a".repeat(60 * 1024)}`], writes: 1 },
};

const FRAMINGS = {
  "keep-alive": { status: "HTTP/1.1 200 OK", extra: ["Content-Length: 2"], close: false },
  "HTTP/1.0, closing": { status: "HTTP/1.0 200 OK", extra: [], close: true },
};

const UPGRADE = {
  status: "HTTP/1.1 101 Switching Protocols",
  extra: ["Upgrade: websocket", "Connection: Upgrade"],
  close: false,
};

/**
 * Answers `GET /<head index>/<framing index>` with that head, in its writes, then "ok"; an
 * upgrade request (framing index "u") with 101 and that head.
 */
function answer(socket: net.Socket): void {
  socket.on("error", () => {});
  let seen = "";
  socket.on("data", async (chunk: Buffer) => {
    seen += chunk.toString("latin1");
    const end = seen.indexOf("\r\n\r\n");
    if (end === -1) return;
    const [, headAt, framingAt] = /^\w+ \/(\d+)\/(\d+|u)/.exec(seen) ?? [];
    seen = seen.slice(end + 4);
    const head = Object.values(HEADS)[Number(headAt)]!;
    const framing = framingAt === "u" ? UPGRADE : Object.values(FRAMINGS)[Number(framingAt)]!;
    const bytes = Buffer.from(
      `${[framing.status, "Content-Type: text/plain", ...framing.extra, ...head.lines].join("\r\n")}\r\n\r\n`,
    );
    const piece = Math.ceil(bytes.length / head.writes);
    for (let at = 0; at < bytes.length && !socket.destroyed; at += piece) {
      socket.write(bytes.subarray(at, at + piece));
      if (head.writes > 1) await sleep(100);
    }
    if (socket.destroyed) return;
    if (framing.close) socket.end("ok");
    else socket.write("ok");
  });
}

let testDb: TestDatabase;
let relay: EdgeTestRelay;
let certDir: string;
const apps: net.Server[] = [];
const clients: SshTunnelClient[] = [];

async function listen(server: net.Server): Promise<number> {
  apps.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

before(async () => {
  testDb = await createTestDatabase("appheads");
  certDir = mkdtempSync(join(tmpdir(), "burrow-app-heads-"));
  const certificate = makeTestCertificate(certDir);
  relay = await startEdgeTestRelay({ db: testDb.db });
  const plain = await listen(net.createServer(answer));
  const https = await listen(tls.createServer({ cert: certificate.cert, key: certificate.key }, answer));
  clients.push(await startSshTunnel(relay, "heads", plain), await startSshTunnel(relay, "headstls", https));
});

after(async () => {
  for (const client of clients) await client.stop();
  await relay?.close();
  for (const app of apps) app.close();
  await testDb?.drop();
  rmSync(certDir, { recursive: true, force: true });
});

/** A visitor that reads heads of any size, so one the relay wrongly passed on shows as such. */
function get(host: string, path: string): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port: relay.httpPort, path, headers: { host }, maxHeaderSize: 4 * 1024 * 1024 },
      (res) => readAnswer(res).then(resolve, reject),
    );
    req.on("error", reject);
    req.setTimeout(15_000, () => req.destroy(new Error("request timed out")));
  });
}

for (const [tunnel, over] of [
  ["heads", "plain HTTP"],
  ["headstls", "HTTPS"],
] as const) {
  Object.keys(HEADS).forEach((shape, headAt) => {
    Object.keys(FRAMINGS).forEach((framing, framingAt) => {
      const tooLarge = shape !== "60 KB of headers";
      test(`${shape}, ${framing}, ${over} to the app: ${tooLarge ? "502, too large" : "passed on"}`, async () => {
        const res = await get(`${tunnel}.${TEST_DOMAIN}`, `/${headAt}/${framingAt}`);
        if (!tooLarge) {
          assert.equal(res.status, 200);
          assert.equal(res.body, "ok");
          return;
        }
        assert.equal(res.status, 502);
        assert.match(res.body, /response headers are too large/);
        assert.equal(res.headers["x-big"], undefined);
        assert.equal(res.headers["set-cookie"], undefined);
        const line = relay.traces.get(tunnel)?.lines.at(-1) ?? "";
        assert.match(line, new RegExp(`GET /${headAt}/${framingAt} 502`));
      });
    });
  });
}

// Upgrades are read by Node's own parser, which holds to the limit wherever a read ends.
for (const [tunnel, over] of [
  ["heads", "plain HTTP"],
  ["headstls", "HTTPS"],
] as const) {
  for (const shape of ["a 1 MB header", "20 cookies of 4000 bytes"]) {
    test(`${shape} answering a WebSocket upgrade, ${over} to the app: 502, too large`, async () => {
      const headAt = Object.keys(HEADS).indexOf(shape);
      const answer = await rawExchange(
        relay.httpPort,
        `GET /${headAt}/u HTTP/1.1\r\nHost: ${tunnel}.${TEST_DOMAIN}\r\nConnection: Upgrade\r\n` +
          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      assert.match(answer, /^HTTP\/1\.1 502 /);
      assert.match(answer, /response headers are too large/);
    });
  }
}
