/**
 * The whole loop through the real relay: the dashboard's service revokes a link or changes the
 * password, Postgres NOTIFY reaches the relay's control channel, and the gate drops its cached state
 * at once. The cache TTL is set to a minute here, so only the notification can explain a quick
 * cut-off.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLogger } from "../../lib/logger.ts";
import { createShareLink, revokeShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import type { AccessGate } from "../http/access.ts";
import { startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";
import { type AccessGateHandle, createAccessGate, keepAccessGateCurrent } from "./gate.ts";

let harness: TestRelay;
let gate: AccessGateHandle | undefined;
let owner: TestUser;

before(async () => {
  // The harness makes the database, the gate needs it: the relay gets a forwarder to the gate.
  const access: AccessGate = {
    check(request) {
      if (!gate) throw new Error("gate not ready");
      return gate.check(request);
    },
  };
  harness = await startTestRelay({}, { access });
  gate = createAccessGate({
    db: harness.db,
    secret: "control-channel-secret-0123456789abcdef",
    config: harness.config,
    logger: createLogger({ silent: true }),
    cacheTtlMs: 60_000,
    notifiedCacheTtlMs: 60_000,
  });
  await harness.waitFor(() => harness.relay.controlListening, "the control channel");
  keepAccessGateCurrent(harness.relay, gate);
  owner = await harness.createUserWithKey();
  await harness.reserve(owner, "notified");
  const app = await harness.startLocalApp();
  await harness.startSsh({ user: owner, forwards: [`notified:80:127.0.0.1:${app.port}`] });
});

after(async () => {
  gate?.close();
  await harness?.close();
});

const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(";")[0]!;

test("a revoked link stops working for its holders as soon as the relay is told", async () => {
  await setAccessSettings(harness.db, owner.id, "notified", { mode: "LINKS" });
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/")).status === 403,
    "links-only mode to apply",
    5_000,
  );
  const { link, token } = await createShareLink(harness.db, owner.id, "notified", {
    label: "x",
    expiry: "never",
  });
  const opened = await harness.fetchTunnel("notified", `/?burrow_share=${token}`);
  assert.equal(opened.status, 303);
  const cookie = cookieOf(opened.headers["set-cookie"]);
  const inside = await harness.fetchTunnel("notified", "/page", { headers: { cookie } });
  assert.equal(inside.status, 200);
  assert.equal(inside.json?.headers.cookie, undefined);

  const revokedAt = Date.now();
  await revokeShareLink(harness.db, owner.id, "notified", link.id);
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/page", { headers: { cookie } })).status === 403,
    "the revocation to reach the relay",
    5_000,
  );
  assert.ok(Date.now() - revokedAt < 5_000, "well within the cache TTL: the notification did it");
});

test("a new password signs out holders of the old one as soon as the relay is told", async () => {
  await setAccessSettings(harness.db, owner.id, "notified", { mode: "PASSWORD", password: "first password" });
  const basic = { authorization: `Basic ${Buffer.from(":first password").toString("base64")}` };
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/", { headers: basic })).status === 200,
    "password mode to apply",
    5_000,
  );
  await setAccessSettings(harness.db, owner.id, "notified", {
    mode: "PASSWORD",
    password: "second password",
  });
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/", { headers: basic })).status === 401,
    "the old password to stop working",
    5_000,
  );
});
