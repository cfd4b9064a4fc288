/**
 * How long the relay trusts cached access state, through the real relay and control channel: long
 * while the dashboard's notifications arrive (the first request after a quiet spell needs no
 * query), briefly once the LISTEN connection is lost, and never across tunnels. Changes here go
 * straight to the database, bypassing the dashboard, so no notification explains what the relay does.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../../lib/logger.ts";
import type { AccessGate } from "../http/access.ts";
import { type LocalApp, startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";
import { type AccessGateHandle, createAccessGate, keepAccessGateCurrent } from "./gate.ts";

const SHORT_TTL_MS = 1_000;
const NOTIFIED_TTL_MS = 60_000;

let harness: TestRelay;
let gate: AccessGateHandle | undefined;
let owner: TestUser;
let app: LocalApp;

before(async () => {
  const access: AccessGate = {
    check(request) {
      if (!gate) throw new Error("gate not ready");
      return gate.check(request);
    },
  };
  harness = await startTestRelay({}, { access });
  gate = createAccessGate({
    db: harness.db,
    secret: "cache-trust-secret-0123456789abcdef012",
    config: harness.config,
    logger: createLogger({ silent: true }),
    cacheTtlMs: SHORT_TTL_MS,
    notifiedCacheTtlMs: NOTIFIED_TTL_MS,
  });
  await harness.waitFor(() => harness.relay.controlListening, "the control channel");
  keepAccessGateCurrent(harness.relay, gate);
  owner = await harness.createUserWithKey();
  app = await harness.startLocalApp();
});

after(async () => {
  gate?.close();
  await app?.close();
  await harness?.close();
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
