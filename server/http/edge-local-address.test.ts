import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  requestEdge,
  startEdgeFixture,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
/** Session rows by tunnel name: the tunnel page shows the notice kept there. */
const sessions = new Map<string, string>();

const PAGE =
  "<!doctype html><html><head><title>My blog</title>" +
  "<link rel='stylesheet' href='http://localhost:8000/wp-content/themes/blog/style.css?ver=6.7' media='all'>" +
  '</head><body><a href="/about">About</a></body></html>';

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgelocaladdress",
    // A WordPress site installed at localhost:8000: it redirects there, and its pages load their
    // styles from there.
    app: (req, res) => {
      const to: Record<string, string> = {
        "/wp-admin": "http://localhost:8000/wp-admin/",
        "/wp-login": "http://localhost:8000/wp-login.php",
        "/elsewhere": "https://example.com/",
        "/relative": "/home",
      };
      const target = to[req.url ?? ""];
      if (target) {
        res.writeHead(302, { location: target });
        res.end();
      } else if (req.url === "/page.gz") {
        res.writeHead(200, { "content-type": "text/html; charset=UTF-8", "content-encoding": "gzip" });
        res.end(gzipSync(PAGE));
      } else if (req.url === "/plain") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(
          '<!doctype html><link rel="stylesheet" href="/style.css"><a href="https://example.com/">x</a>',
        );
      } else {
        res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
        res.end(PAGE);
      }
    },
  });
  ({ testDb, relay } = fixture);
  const user = await testDb.db.user.create({ data: { email: "address@example.com", passwordHash: "x" } });
  for (const name of ["blog", "pages", "gzipped"]) {
    const session = await testDb.db.tunnelSession.create({
      data: { name, userId: user.id, clientIp: "127.0.0.1" },
    });
    sessions.set(name, session.id);
    relay.sessionIds.set(name, session.id);
    await fixture.openTunnel(name);
  }
});

after(() => fixture?.close());

const host = (name: string) => `${name}.${TEST_DOMAIN}:${relay.httpPort}`;
const told = (name: string) =>
  relay.traces.get(name)?.lines.filter((line) => line.includes("an address on your own computer")) ?? [];
const notice = async (name: string) =>
  (await testDb.db.tunnelSession.findUniqueOrThrow({ where: { id: sessions.get(name)! } })).notice;

test("redirects elsewhere or relative ones and pages without such links are passed on and say nothing", async () => {
  const elsewhere = await requestEdge(relay, { host: host("blog"), path: "/elsewhere" });
  assert.equal(elsewhere.headers.location, "https://example.com/");
  const relative = await requestEdge(relay, { host: host("blog"), path: "/relative" });
  assert.equal(relative.headers.location, "/home");
  const plain = await requestEdge(relay, { host: host("blog"), path: "/plain" });
  assert.equal(plain.status, 200);
  assert.deepEqual(told("blog"), []);
});

test("an app redirecting visitors to the owner's computer: the redirect is passed on, the owner is told once which setting to change", async () => {
  const first = await requestEdge(relay, { host: host("blog"), path: "/wp-admin" });
  assert.equal(first.status, 302);
  assert.equal(
    first.headers.location,
    "http://localhost:8000/wp-admin/",
    "it may mean the visitor's own computer",
  );
  await requestEdge(relay, { host: host("blog"), path: "/wp-login" });
  assert.deepEqual(told("blog"), [
    "blog: your app redirected a visitor to http://localhost:8000/wp-admin/, an address on your own computer " +
      "that visitors cannot follow (unless it was meant for theirs). If your app has a setting for its public " +
      `address (a base URL, site URL or APP_URL), set it to http://${host("blog")}.`,
  ]);
  await waitFor(async () => (await notice("blog")) === told("blog")[0], "the notice on the tunnel page");
});

test("a page whose styles load from the owner's computer reaches the visitor unchanged; the owner is told once", async () => {
  for (let i = 0; i < 2; i++) {
    const page = await requestEdge(relay, { host: host("pages"), path: "/" });
    assert.equal(page.body, PAGE);
  }
  const expected =
    "pages: your app's pages link to http://localhost:8000/wp-content/themes/blog/style.css?ver=6.7, an " +
    "address on your own computer that visitors cannot load (a page may show without its styles or scripts). " +
    "If your app has a setting for its public address (a base URL, site URL or APP_URL), set it to " +
    `http://${host("pages")}.`;
  assert.deepEqual(told("pages"), [expected]);
  await waitFor(async () => (await notice("pages")) === expected, "the notice on the tunnel page");
});

test("a compressed page is read too", async () => {
  const page = await requestEdge(relay, { host: host("gzipped"), path: "/page.gz" });
  assert.equal(page.status, 200);
  await waitFor(async () => told("gzipped").length === 1, "the notice");
  assert.match(
    told("gzipped")[0]!,
    /^gzipped: your app's pages link to http:\/\/localhost:8000\/wp-content\//,
  );
});
