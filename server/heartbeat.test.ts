import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createLogger } from "../lib/logger.ts";
import { HEARTBEAT_STALE_MS } from "../lib/relay-heartbeat.ts";
import { createTestDatabase } from "../lib/testing/db.ts";
import { Heartbeat, type HeartbeatOptions } from "./heartbeat.ts";
import { type Tunnel, TunnelRegistry } from "./registry.ts";
import { SessionRecorder } from "./sessions/session-recorder.ts";

const database = await createTestDatabase("heartbeat");
const { db } = database;
after(() => database.drop());

const KEY = "SHA256:relaykeyrelaykeyrelaykeyrelaykeyrelaykey123";
const PORTS = { sshPort: 2222, httpPort: 8080 };

const logger = createLogger({ silent: true });

function heartbeat(id: string, overrides: Partial<HeartbeatOptions> = {}): Heartbeat {
  return new Heartbeat({
    db,
    logger,
    id,
    startedAt: new Date(),
    hostKeyFingerprint: KEY,
    registry: new TunnelRegistry(),
    stats: { requests: 0 },
    droppedLogs: () => 0,
    ...overrides,
  });
}

/** A row as an earlier relay left it, last seen `agoMs` ago. */
function earlierRow(
  id: string,
  agoMs: number,
  overrides: Partial<typeof PORTS & { hostKeyFingerprint: string }> = {},
) {
  const seenAt = new Date(Date.now() - agoMs);
  return db.relayHeartbeat.create({
    data: {
      id,
      startedAt: seenAt,
      seenAt,
      hostKeyFingerprint: KEY,
      ...PORTS,
      tunnels: 1,
      requestsPerMinute: 0,
      ...overrides,
    },
  });
}

const ids = async () => (await db.relayHeartbeat.findMany({ orderBy: { id: "asc" } })).map((r) => r.id);

test("a relay restarted on the same ports with the same host key replaces its earlier run's row, not a live peer's or another relay's", async () => {
  await earlierRow("crashed-run", HEARTBEAT_STALE_MS + 60_000);
  await earlierRow("live-peer", 2_000);
  await earlierRow("other-ports", HEARTBEAT_STALE_MS + 60_000, { httpPort: 9090 });
  await earlierRow("other-key", HEARTBEAT_STALE_MS + 60_000, { hostKeyFingerprint: "SHA256:another" });
  const beat = heartbeat("this-run");
  beat.start(PORTS);
  try {
    await waitFor(async () => !(await ids()).includes("crashed-run"), "the earlier run's row to go");
    assert.deepEqual(await ids(), ["live-peer", "other-key", "other-ports", "this-run"]);
  } finally {
    await beat.stop();
    await db.relayHeartbeat.deleteMany();
  }
});

test("a relay that stops cleanly removes its row: the admin page does not show it as down", async () => {
  const beat = heartbeat("stopping");
  beat.start(PORTS);
  await waitFor(async () => (await ids()).includes("stopping"), "its first beat");
  await beat.stop();
  assert.deepEqual(await ids(), []);
});

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: rows ${(await ids()).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a beat reopens this relay's live sessions that another relay closed while this one could not beat", async () => {
  const user = await db.user.create({ data: { email: "beats@example.com", passwordHash: "x" } });
  const swept = await db.tunnelSession.create({
    data: {
      name: "survivor",
      userId: user.id,
      clientIp: "127.0.0.1",
      relayId: "this-relay",
      endedAt: new Date(),
      endReason: "relay_restart",
    },
  });
  const registry = new TunnelRegistry();
  const live: Tunnel = {
    name: "survivor",
    sessionId: swept.id,
    userId: user.id,
    reservationId: null,
    clientIp: "127.0.0.1",
    startedAt: new Date(),
    target: "port 80",
    openStream: () => Promise.reject(new Error("not used")),
    notify: () => {},
    recordRequest: () => {},
    close: () => {},
  };
  registry.add(live);
  const beat = heartbeat("this-relay", {
    registry,
    sessions: new SessionRecorder({ db, logger, relayId: "this-relay" }),
  });
  try {
    await beat.beat();
    const row = await db.tunnelSession.findUniqueOrThrow({ where: { id: swept.id } });
    assert.equal(row.endedAt, null, "open again: its tunnel is live");
    assert.equal(row.endReason, null);
  } finally {
    await beat.stop();
    await db.relayHeartbeat.deleteMany();
  }
});
