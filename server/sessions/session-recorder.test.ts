import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createDb } from "../../lib/db.ts";
import { createLogger } from "../../lib/logger.ts";
import { HEARTBEAT_STALE_MS } from "../../lib/relay-heartbeat.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { SessionRecorder } from "./session-recorder.ts";

const database = await createTestDatabase("session-recorder");
const { db } = database;
after(() => database.drop());

const ME = { sshPort: 2222, httpPort: 8080, hostKeyFingerprint: "SHA256:me" };
const MINUTE = 60_000;

/** A relay's heartbeat row, last written `agoMs` ago. */
async function relay(id: string, agoMs: number, identity = { ...ME, httpPort: 9090 }) {
  const seenAt = new Date(Date.now() - agoMs);
  await db.relayHeartbeat.create({
    data: { id, startedAt: seenAt, seenAt, ...identity, tunnels: 1, requestsPerMinute: 0 },
  });
}

/** An open session held by `relayId`, started `agoMs` ago; returns its id. */
async function session(name: string, relayId: string | null, agoMs = 5 * MINUTE): Promise<string> {
  const user = await db.user.upsert({
    where: { email: "sessions@example.com" },
    create: { email: "sessions@example.com", passwordHash: "x" },
    update: {},
  });
  const row = await db.tunnelSession.create({
    data: { name, userId: user.id, clientIp: "127.0.0.1", relayId, startedAt: new Date(Date.now() - agoMs) },
  });
  return row.id;
}

async function openNames(): Promise<string[]> {
  const rows = await db.tunnelSession.findMany({ where: { endedAt: null }, orderBy: { name: "asc" } });
  return rows.map((row) => row.name);
}

test("closing abandoned sessions ends those of gone relays and keeps those of relays still running", async () => {
  await relay("peer", 2_000);
  await relay("crashed", HEARTBEAT_STALE_MS + MINUTE);
  await relay("my-earlier-run", 2_000, ME);
  await session("peer-tunnel", "peer");
  await session("crashed-tunnel", "crashed");
  await session("vanished-tunnel", "no-heartbeat-row");
  await session("old-version-tunnel", null);
  await session("earlier-run-tunnel", "my-earlier-run");
  await session("mine", "me");
  await session("just-started", "not-beating-yet", 1_000);
  const recorder = new SessionRecorder({ db, logger: createLogger({ silent: true }), relayId: "me" });

  // The periodic sweep: only relays whose heartbeat is missing or stale are gone.
  const swept = await recorder.closeAbandoned({ startedBefore: new Date(Date.now() - HEARTBEAT_STALE_MS) });
  assert.equal(swept, 3);
  assert.deepEqual(await openNames(), ["earlier-run-tunnel", "just-started", "mine", "peer-tunnel"]);

  // At start: an earlier run of this relay (same ports and host key) is gone too, however fresh
  // its last beat; rows started since this relay did are left for their relay's first beat.
  const atStart = await recorder.closeAbandoned({
    startedBefore: new Date(Date.now() - 2_000),
    earlierRunOf: ME,
  });
  assert.equal(atStart, 1);
  assert.deepEqual(await openNames(), ["just-started", "mine", "peer-tunnel"]);
  const ended = await db.tunnelSession.findFirstOrThrow({ where: { name: "earlier-run-tunnel" } });
  assert.equal(ended.endReason, "relay_restart");
  assert.ok(ended.endedAt);
});

test("a live session another relay took for abandoned is opened again by its relay; real ends are kept, and replace a sweep's", async () => {
  const recorder = new SessionRecorder({ db, logger: createLogger({ silent: true }), relayId: "alive" });
  const end = (id: string, endReason: string) =>
    db.tunnelSession.update({ where: { id }, data: { endedAt: new Date(), endReason } });
  const swept = await session("swept", "alive");
  const closed = await session("closed", "alive");
  const others = await session("others", "another-relay");
  await end(swept, "relay_restart");
  await end(closed, "client_closed");
  await end(others, "relay_restart");

  assert.equal(await recorder.reopenLive([swept, closed, others]), 1);
  const reason = async (id: string) => {
    const row = await db.tunnelSession.findUniqueOrThrow({ where: { id } });
    return row.endedAt ? row.endReason : "open";
  };
  assert.equal(await reason(swept), "open");
  assert.equal(await reason(closed), "client_closed", "a real end is never undone");
  assert.equal(
    await reason(others),
    "relay_restart",
    "another relay's session is not this relay's to reopen",
  );

  // The tunnel ends for real after a sweep closed its row: its own end replaces the guess.
  await end(swept, "relay_restart");
  recorder.end(swept, "client_closed", { requests: 3, bytesIn: 10, bytesOut: 20 }, null);
  await recorder.flush();
  assert.equal(await reason(swept), "client_closed");
  assert.equal((await db.tunnelSession.findUniqueOrThrow({ where: { id: swept } })).requests, 3);
});

test("after stop(), an end the database still refuses is neither retried nor said to be", async () => {
  // A database that is not there: every write fails at once.
  const unreachable = createDb("postgres://postgres@127.0.0.1:1/none");
  const warnings: string[] = [];
  const logger = {
    ...createLogger({ silent: true }),
    warn: (message: string) => void warnings.push(message),
  };
  const recorder = new SessionRecorder({ db: unreachable, logger, relayId: "leaving", retryMs: 50 });
  try {
    recorder.end("no-such-session", "relay_shutdown", { requests: 0, bytesIn: 0, bytesOut: 0 }, null);
    await recorder.flush();
    assert.ok(warnings.length >= 1, "the failure is said while running");
    recorder.stop();
    await recorder.flush();
    const said = warnings.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(warnings.length, said, "no retries (and no warnings) after stop()");
    assert.equal(recorder.pendingCount, 1, "the end is still pending: the next start closes it");
  } finally {
    await unreachable.$disconnect();
  }
});
