/**
 * The whole loop through the real relay: the dashboard's service revokes a link or changes the
 * password, Postgres NOTIFY reaches the relay's control channel, and the gate drops its cached state
 * at once. While the control channel is up the cache trusts its state for a minute here, so only the
 * notification can explain a quick cut-off. Without it (the LISTEN connection lost) the trust is
 * brief, and it never carries over to the next tunnel under a name. "Silent" changes go straight to
 * the database, bypassing the dashboard, so no notification explains what the relay does.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createShareLink, revokeShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { type LocalApp, startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";

const SHORT_TTL_MS = 1_000;
const NOTIFIED_TTL_MS = 60_000;

let harness: TestRelay;
let owner: TestUser;
let app: LocalApp;

before(async () => {
  harness = await startTestRelay(
    {},
    { accessGate: { cacheTtlMs: SHORT_TTL_MS, notifiedCacheTtlMs: NOTIFIED_TTL_MS } },
  );
  await harness.waitFor(() => harness.relay.controlListening, "the control channel");
  owner = await harness.createUserWithKey();
  await harness.reserve(owner, "notified");
  app = await harness.startLocalApp();
  await harness.startSsh({ user: owner, forwards: [`notified:80:127.0.0.1:${app.port}`] });
});

after(() => harness?.close());

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

/** Sets a name's mode behind the relay's back (no NOTIFY). */
async function setModeSilently(name: string, mode: "PUBLIC" | "LINKS"): Promise<void> {
  await harness.db.reservation.update({ where: { name }, data: { accessMode: mode } });
}

test("while notifications arrive the state is trusted; when the control channel drops, only briefly", async () => {
  await harness.reserve(owner, "quiet");
  await harness.startSsh({ user: owner, forwards: [`quiet:80:127.0.0.1:${app.port}`] });
  assert.equal((await harness.fetchTunnel("quiet", "/")).status, 200);

  await setModeSilently("quiet", "LINKS");
  await sleep(SHORT_TTL_MS * 1.5);
  assert.equal(
    (await harness.fetchTunnel("quiet", "/")).status,
    200,
    "past the short TTL, the cached state is still used: the relay would have been told of a change",
  );

  // Cut the relay's LISTEN connection, as a database restart or network failure would.
  await harness.db.$executeRaw`
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'burrow-relay-control' AND datname = current_database()`;
  const cutAt = Date.now();
  await harness.waitFor(
    async () => (await harness.fetchTunnel("quiet", "/")).status === 403,
    "the unannounced change to apply",
    10_000,
  );
  assert.ok(Date.now() - cutAt < NOTIFIED_TTL_MS / 4, "applied long before the trusted TTL ran out");
  await harness.waitFor(() => harness.relay.controlListening, "the control channel to come back");
});

test("a new tunnel under a name never inherits the previous tunnel's cached state", async () => {
  await harness.reserve(owner, "handover");
  const first = await harness.startSsh({ user: owner, forwards: [`handover:80:127.0.0.1:${app.port}`] });
  assert.equal((await harness.fetchTunnel("handover", "/")).status, 200);
  first.kill();
  await first.exited;
  await setModeSilently("handover", "LINKS");
  await harness.startSsh({ user: owner, forwards: [`handover:80:127.0.0.1:${app.port}`] });
  assert.equal((await harness.fetchTunnel("handover", "/")).status, 403);
});
