/**
 * An app whose response head is large (sessions kept in cookies): up to 64 KiB, 4 times Node's
 * default, it reaches the visitor whole; over that the visitor gets a page that says so, not "the
 * app does not speak HTTP".
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  rawExchange,
  startEdgeFixture,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;

/** `count` cookies of 4000 bytes (a browser's limit per cookie), as an app with sessions in cookies sends. */
const cookies = (count: number) =>
  Array.from({ length: count }, (_, i) => `c${i}=${"v".repeat(4000)}; Path=/`);

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgeappheaders",
    app: (req, res) => {
      const count = Number(new URL(req.url ?? "/", "http://app").searchParams.get("cookies") ?? 0);
      res.setHeader("set-cookie", cookies(count));
      if (req.headers.upgrade) res.writeHead(426, { "content-type": "text/plain" });
      res.end("the app");
    },
    tunnels: ["cookies"],
  });
  ({ testDb, relay } = fixture);
});

after(() => fixture?.close());

const get = (path: string, upgrade = false) =>
  rawExchange(
    relay.httpPort,
    `GET ${path} HTTP/1.1\r\nHost: cookies.${TEST_DOMAIN}\r\nConnection: ${upgrade ? "Upgrade" : "close"}\r\n` +
      (upgrade
        ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        : "") +
      "\r\n",
  );

test("a response head over Node's 16 KiB default, under 64 KiB, reaches the visitor whole, upgrades too", async () => {
  for (const upgrade of [false, true]) {
    const answer = await get("/?cookies=12", upgrade);
    assert.match(answer, upgrade ? /^HTTP\/1\.1 426 / : /^HTTP\/1\.1 200 /);
    assert.equal(answer.match(/^set-cookie: c\d+=v{4000}; Path=\/\r$/gim)?.length, 12, "every cookie, whole");
    assert.match(answer, /the app$/);
  }
});

test("an upgrade answered with a head over 64 KiB: a 502 that says so, not that the app does not speak HTTP", async () => {
  const answer = await get("/?cookies=20", true);
  assert.match(answer, /^HTTP\/1\.1 502 /);
  assert.match(answer, /response headers are too large/);
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { name: "cookies", path: "/?cookies=20" } })) === 1,
    "the request is logged",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({
    where: { name: "cookies", path: "/?cookies=20" },
  });
  assert.deepEqual([row.upgrade, row.status, row.error], [true, 502, "local_headers_too_large"]);
  assert.match(relay.traces.get("cookies")?.lines.join("\n") ?? "", /response headers are over 64 KiB/);
  assert.doesNotMatch(
    relay.traces.get("cookies")?.lines.join("\n") ?? "",
    /does not speak HTTP|nothing answers/,
  );
  // The tunnel still serves.
  assert.match(await get("/?cookies=1"), /^HTTP\/1\.1 200 /);
});

test("a request answered with a head of megabytes: a 502 that says the headers are too large, not that the app closed the connection", async () => {
  // 1,500 cookies of 4000 bytes: 6 MB, read in many pieces, well past the limit undici checks.
  const answer = await get("/?cookies=1500");
  assert.match(answer, /^HTTP\/1\.1 502 /);
  assert.match(answer, /response headers are too large/);
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { name: "cookies", path: "/?cookies=1500" } })) === 1,
    "the request is logged",
  );
  const row = await testDb.db.requestLog.findFirstOrThrow({
    where: { name: "cookies", path: "/?cookies=1500" },
  });
  assert.deepEqual([row.status, row.error], [502, "local_headers_too_large"]);
  assert.doesNotMatch(relay.traces.get("cookies")?.lines.join("\n") ?? "", /closed the connection/);
  assert.match(await get("/?cookies=1"), /^HTTP\/1\.1 200 /);
});
