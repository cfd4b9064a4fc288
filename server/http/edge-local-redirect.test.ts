import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeTestRelay,
  type LocalApp,
  requestEdge,
  type SshTunnelClient,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let testDb: TestDatabase;
let relay: EdgeTestRelay;
/** An app configured with a local base URL, as a WordPress site installed at localhost:8000. */
let app: LocalApp;
let tunnel: SshTunnelClient;
let session: string;

before(async () => {
  testDb = await createTestDatabase("edgelocalredirect");
  const user = await testDb.db.user.create({ data: { email: "redirect@example.com", passwordHash: "x" } });
  relay = await startEdgeTestRelay({ db: testDb.db });
  app = await startLocalApp((req, res) => {
    const to: Record<string, string> = {
      "/wp-admin": "http://localhost:8000/wp-admin/",
      "/wp-login": "http://localhost:8000/wp-login.php",
      "/elsewhere": "https://example.com/",
      "/relative": "/home",
    };
    res.writeHead(302, { location: to[req.url ?? ""] ?? "/" });
    res.end();
  });
  session = (
    await testDb.db.tunnelSession.create({ data: { name: "blog", userId: user.id, clientIp: "127.0.0.1" } })
  ).id;
  relay.sessionIds.set("blog", session);
  tunnel = await startSshTunnel(relay, "blog", app.port);
});

after(async () => {
  await tunnel?.stop();
  await relay?.close();
  await app?.close();
  await testDb?.drop();
});

const host = () => `blog.${TEST_DOMAIN}:${relay.httpPort}`;

test("redirects elsewhere or relative ones are passed on and say nothing", async () => {
  const elsewhere = await requestEdge(relay, { host: host(), path: "/elsewhere" });
  assert.equal(elsewhere.headers.location, "https://example.com/");
  const relative = await requestEdge(relay, { host: host(), path: "/relative" });
  assert.equal(relative.headers.location, "/home");
  assert.deepEqual(
    relay.traces.get("blog")?.lines.filter((line) => line.includes("redirected")),
    [],
  );
});

test("an app redirecting visitors to the owner's computer: the redirect is passed on, the owner is told once which setting to change", async () => {
  const first = await requestEdge(relay, { host: host(), path: "/wp-admin" });
  assert.equal(first.status, 302);
  assert.equal(
    first.headers.location,
    "http://localhost:8000/wp-admin/",
    "it may mean the visitor's own computer",
  );
  await requestEdge(relay, { host: host(), path: "/wp-login" });
  const told = relay.traces.get("blog")?.lines.filter((line) => line.includes("redirected")) ?? [];
  assert.deepEqual(told, [
    "blog: your app redirected a visitor to http://localhost:8000/wp-admin/, an address on your own computer " +
      "that visitors cannot follow (unless it was meant for theirs). If your app has a setting for its public " +
      `address (a base URL, site URL or APP_URL), set it to http://${host()}.`,
  ]);
  await waitFor(
    async () =>
      (await testDb.db.tunnelSession.findUniqueOrThrow({ where: { id: session } })).notice === told[0],
    "the notice on the tunnel page",
  );
});
