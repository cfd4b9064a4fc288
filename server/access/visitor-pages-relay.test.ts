/**
 * What a visitor's browser does around the relay's access pages, against a real tunnel: the Referer
 * a browser sends after a share link (which must not carry the token to the app), and a browser
 * form post that arrives without a valid cookie (the branded page, not a Basic-auth dialog).
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import { createShareLink, setAccessSettings, setAllowedAddresses } from "../../lib/sharing/service.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  createTestAccessGate,
  type EdgeFixture,
  type EdgeTestRelay,
  rawExchange,
  requestEdge,
  startEdgeFixture,
  TEST_DOMAIN,
} from "../http/testing.ts";
import type { AccessGateHandle } from "./gate.ts";

const NAMES = ["shared", "guarded", "private"] as const;
/** Reserved, password-protected, and never connected: its app is offline. */
const ASLEEP = "asleep";
let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let gate: AccessGateHandle;
let owner: string;
const seen: Array<{ url: string; headers: IncomingMessage["headers"] }> = [];

before(async () => {
  fixture = await startEdgeFixture({
    database: "visitorpages",
    relayOptions: async (db) => {
      owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
      for (const name of NAMES) await db.reservation.create({ data: { name, userId: owner } });
      await setAccessSettings(db, owner, "shared", { mode: "LINKS" });
      await setAccessSettings(db, owner, "private", { mode: "LINKS" });
      await setAccessSettings(db, owner, "guarded", { mode: "PASSWORD", password: "correct horse" });
      await db.reservation.create({ data: { name: ASLEEP, userId: owner } });
      await setAccessSettings(db, owner, ASLEEP, { mode: "PASSWORD", password: "correct horse" });
      gate = createTestAccessGate(db);
      return { access: gate };
    },
    app: (req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ url: req.url }));
    },
  });
  ({ testDb, relay } = fixture);
  for (const name of NAMES) {
    const session = await testDb.db.tunnelSession.create({
      data: { name, userId: owner, clientIp: "127.0.0.1" },
    });
    relay.sessionIds.set(name, session.id);
    await fixture.openTunnel(name);
  }
});

after(async () => {
  await fixture?.close();
  gate?.close();
});

const hostOf = (name: string) => `${name}.${TEST_DOMAIN}:${relay.httpPort}`;

test("after a limited share link is confirmed, no Referer or other header brings its token to the app", async () => {
  const { token } = await createShareLink(testDb.db, owner, "shared", {
    label: "QA",
    expiry: "1d",
    maxUses: 3,
  });
  const linkUrl = `http://${hostOf("shared")}/echo?burrow_share=${token}`;
  const confirm = await requestEdge(relay, {
    host: hostOf("shared"),
    path: `/echo?burrow_share=${token}`,
    headers: { accept: "text/html" },
  });
  assert.equal(confirm.status, 200);
  assert.match(confirm.body, /Open shared address/);
  assert.equal(
    confirm.headers["referrer-policy"],
    "strict-origin",
    "the confirm page sends only its origin as a Referer, and its post keeps its Origin",
  );

  // What a browser sends from that page: its origin, as Origin and as the Referer.
  const body = new URLSearchParams({ token, next: "/echo" }).toString();
  const opened = await requestEdge(relay, {
    host: hostOf("shared"),
    path: "/__burrow/share",
    method: "POST",
    headers: {
      origin: `http://${hostOf("shared")}`,
      "sec-fetch-site": "same-origin",
      "sec-fetch-mode": "navigate",
      referer: `http://${hostOf("shared")}/`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body,
  });
  assert.equal(opened.status, 303, opened.body);
  assert.equal(opened.headers.location, "/echo");
  assert.equal(opened.headers["referrer-policy"], "no-referrer", "the redirect drops the Referer");
  const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;

  // A browser that ignored both policies would still send the link as Referer: it is cleaned.
  const before = seen.length;
  const landed = await requestEdge(relay, {
    host: hostOf("shared"),
    path: "/echo",
    headers: { cookie, referer: `${linkUrl}&tab=2` },
  });
  assert.equal(landed.status, 200);
  const received = seen.slice(before);
  assert.equal(received.length, 1);
  assert.equal(received[0]!.headers.referer, `http://${hostOf("shared")}/echo?tab=2`);
  assert.equal(JSON.stringify(received[0]).includes(token), false, "the token is in no header");
});

test("a cross-site form with Origin: null cannot confirm a link", async () => {
  const { link, token } = await createShareLink(testDb.db, owner, "shared", {
    label: "csrf",
    expiry: "1d",
    maxUses: 1,
  });
  const refused = await requestEdge(relay, {
    host: hostOf("shared"),
    path: "/__burrow/share",
    method: "POST",
    headers: {
      origin: "null",
      "sec-fetch-site": "cross-site",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ token, next: "/" }).toString(),
  });
  assert.equal(refused.status, 403);
  assert.match(refused.body, /Form refused/);
  assert.equal((await testDb.db.shareLink.findUniqueOrThrow({ where: { id: link.id } })).uses, 0);
});

test("a request with oversized headers (a huge cookie) gets the relay's page saying to clear cookies", async () => {
  const answer = await rawExchange(
    relay.httpPort,
    `GET / HTTP/1.1\r\nHost: ${hostOf("shared")}\r\nCookie: big=${"c".repeat(20 * 1024)}\r\n\r\n`,
  );
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  assert.match(head, /^HTTP\/1\.1 431 /);
  assert.match(head, /content-type: text\/html; charset=utf-8/i);
  assert.match(head, /content-length: [1-9]/i);
  assert.match(body, /<h1>Request headers too large<\/h1>/);
  assert.match(body, /Clear this site&#39;s cookies/);
});

test("the password and shared-address pages name the address; a new link says how often it opens", async () => {
  const password = await requestEdge(relay, {
    host: hostOf("guarded"),
    path: "/",
    headers: { accept: "text/html" },
  });
  assert.equal(password.status, 401);
  assert.match(password.body, new RegExp(`<p class="address">${hostOf("guarded")}</p>`));

  const { token } = await createShareLink(testDb.db, owner, "private", {
    label: "new",
    expiry: "1d",
    maxUses: 3,
  });
  const confirm = await requestEdge(relay, { host: hostOf("private"), path: `/?burrow_share=${token}` });
  assert.match(confirm.body, new RegExp(`<p class="address">${hostOf("private")}</p>`));
  assert.match(confirm.body, /This link can be opened 3 times\./);
});

test("'Not open to your network' tells visitors their own address, to ask the owner for", async () => {
  await setAllowedAddresses(testDb.db, owner, "private", { addresses: "10.0.0.0/8" });
  gate.invalidate("private"); // what the dashboard's notification does
  try {
    const refused = await requestEdge(relay, { host: hostOf("private"), path: "/" });
    assert.equal(refused.status, 403);
    assert.match(refused.body, /Your address: <strong>127\.0\.0\.1<\/strong>/);
  } finally {
    await setAllowedAddresses(testDb.db, owner, "private", { addresses: "" });
    gate.invalidate("private");
  }
});

test("a visitor can sign out while the app is offline: the cookie is cleared, not 'Tunnel offline'", async () => {
  const asked = await requestEdge(relay, {
    host: hostOf(ASLEEP),
    path: "/__burrow/logout",
    headers: { cookie: "burrow_access=anything" },
  });
  assert.equal(asked.status, 200);
  assert.equal(asked.headers["set-cookie"], undefined, "a GET signs nobody out");
  assert.match(asked.body, /<form method="post" action="\/__burrow\/logout">/);
  const crossSite = await requestEdge(relay, {
    host: hostOf(ASLEEP),
    path: "/__burrow/logout",
    method: "POST",
    headers: { cookie: "burrow_access=anything", origin: "http://evil.example" },
  });
  assert.equal(crossSite.status, 403);
  assert.equal(crossSite.headers["set-cookie"], undefined, "nor another site's post");
  const out = await requestEdge(relay, {
    host: hostOf(ASLEEP),
    path: "/__burrow/logout",
    method: "POST",
    headers: { cookie: "burrow_access=anything", origin: `http://${hostOf(ASLEEP)}` },
  });
  assert.equal(out.status, 200);
  assert.match(String(out.headers["set-cookie"]), /^burrow_access=; Path=\/; Max-Age=0;/);
  assert.match(out.body, /This browser is signed out of this address/);
  const page = await requestEdge(relay, { host: hostOf(ASLEEP), path: "/" });
  assert.equal(page.status, 503, "any other path still gets the offline page");
  assert.match(page.body, /Tunnel offline/);
  await relay.edge.logWriter?.flush();
  const rows = await testDb.db.requestLog.findMany({ where: { name: ASLEEP }, orderBy: { id: "asc" } });
  assert.deepEqual(
    rows.map((row) => [row.path, row.accessPage, row.error]),
    [
      ["/__burrow/logout", "sign_out_confirm", null],
      ["/__burrow/logout", "form_rejected", null],
      ["/__burrow/logout", "signed_out", null],
      ["/", null, "tunnel_offline"],
    ],
  );
});
