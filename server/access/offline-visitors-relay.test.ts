/**
 * What visitors get from a name whose tunnel is down, against a real relay and ssh client: a
 * visitor from a network the name does not allow gets its 403 before anything else, as when it is
 * up (not whether it is up, through the offline page or its wait).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setAllowedAddresses } from "../../lib/sharing/service.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  createTestAccessGate,
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  requestEdge,
  startEdgeFixture,
  startSshTunnel,
  TEST_DOMAIN,
} from "../http/testing.ts";
import type { AccessGateHandle } from "./gate.ts";

/** Open only to 127.0.0.2; visitors come from 127.0.0.1 unless they say. */
const FENCED = "fenced";
/** Public, reserved and never connected. */
const ASLEEP = "asleep";
let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: LocalApp;
let gate: AccessGateHandle;
let owner: string;

before(async () => {
  fixture = await startEdgeFixture({
    database: "offlinevisitors",
    relayOptions: async (db) => {
      owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
      await db.reservation.create({ data: { name: FENCED, userId: owner } });
      await setAllowedAddresses(db, owner, FENCED, { addresses: "127.0.0.2" });
      await db.reservation.create({ data: { name: ASLEEP, userId: owner } });
      gate = createTestAccessGate(db);
      return { access: gate, onlineWaits: { timeoutMs: 1_000 } };
    },
    app: (req, res) => {
      res.setHeader("content-type", "text/plain");
      res.end(`app ${req.url}`);
    },
  });
  ({ testDb, relay, app } = fixture);
  const session = await testDb.db.tunnelSession.create({
    data: { name: FENCED, userId: owner, clientIp: "127.0.0.1" },
  });
  relay.sessionIds.set(FENCED, session.id);
});

after(async () => {
  await fixture?.close();
  gate?.close();
});

const hostOf = (name: string) => `${name}.${TEST_DOMAIN}:${relay.httpPort}`;
const WAIT = { "x-burrow-wait": "online" };

test("allowed networks: an outsider gets the 403 whether the tunnel is up or down, offline page and wait alike", async () => {
  const host = hostOf(FENCED);
  const client = await startSshTunnel(relay, FENCED, app.port);
  try {
    const up = await requestEdge(relay, { host, path: "/", localAddress: "127.0.0.2" });
    assert.equal(up.status, 200, "the allowed network reaches the app");
    const outsiderUp = await requestEdge(relay, { host, path: "/" });
    assert.equal(outsiderUp.status, 403);
    const waitUp = await requestEdge(relay, { host, path: "/", headers: WAIT });
    assert.equal(waitUp.status, 403, "the wait does not say 'online' to an outsider");
    assert.equal(waitUp.headers["x-burrow-tunnel"], undefined);
  } finally {
    await client.stop();
  }
  // The ssh client is gone: wait until the relay has let the tunnel go.
  for (let i = 0; i < 50; i++) {
    if ((await requestEdge(relay, { host, path: "/", localAddress: "127.0.0.2" })).status === 503) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const inside = await requestEdge(relay, { host, path: "/", localAddress: "127.0.0.2" });
  assert.equal(inside.status, 503, "the allowed network is told the tunnel is offline");
  assert.match(inside.body, /Tunnel offline/);
  const insideWait = await requestEdge(relay, { host, path: "/", localAddress: "127.0.0.2", headers: WAIT });
  assert.equal(insideWait.headers["x-burrow-tunnel"], "offline");

  for (const method of ["GET", "HEAD", "POST"]) {
    const outsider = await requestEdge(relay, { host, path: "/?burrow_share=abc", method });
    assert.equal(outsider.status, 403, `${method}: the 403, not 'Tunnel offline'`);
    if (method !== "HEAD") {
      assert.match(outsider.body, /Your address: <strong>127\.0\.0\.1<\/strong>/);
      assert.doesNotMatch(outsider.body, /offline/i);
    }
  }
  const outsiderWait = await requestEdge(relay, { host, path: "/", headers: WAIT });
  assert.equal(outsiderWait.status, 403, "the wait does not say 'offline' either");
  assert.equal(outsiderWait.headers["x-burrow-tunnel"], undefined);
  const signOut = await requestEdge(relay, { host, path: "/__burrow/logout" });
  assert.equal(signOut.status, 403, "nor does the relay's own sign-out page answer an outsider");

  await relay.edge.logWriter?.flush();
  const rows = await testDb.db.requestLog.findMany({
    where: { name: FENCED, clientIp: "127.0.0.1", accessPage: "address_not_allowed" },
    select: { path: true },
  });
  assert.equal(
    rows.some((row) => row.path.includes("burrow_share")),
    false,
    "no share token in the log",
  );
});

test("a HEAD to an offline name gets the GET's headers, its length included", async () => {
  const get = await requestEdge(relay, { host: hostOf(ASLEEP), path: "/" });
  const head = await requestEdge(relay, { host: hostOf(ASLEEP), path: "/", method: "HEAD" });
  assert.equal(get.status, 503);
  assert.equal(head.status, 503);
  assert.equal(get.headers["content-length"], String(Buffer.byteLength(get.body)));
  for (const name of ["content-length", "content-type", "content-security-policy", "cache-control"]) {
    assert.equal(head.headers[name], get.headers[name], name);
  }
  assert.equal(head.body, "");
});
