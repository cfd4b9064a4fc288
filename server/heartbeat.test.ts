import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createLogger } from "../lib/logger.ts";
import { HEARTBEAT_STALE_MS } from "../lib/relay-heartbeat.ts";
import { createTestDatabase } from "../lib/testing/db.ts";
import { Heartbeat } from "./heartbeat.ts";
import { TunnelRegistry } from "./registry.ts";

const database = await createTestDatabase("heartbeat");
const { db } = database;
after(() => database.drop());

const KEY = "SHA256:relaykeyrelaykeyrelaykeyrelaykeyrelaykey123";
const PORTS = { sshPort: 2222, httpPort: 8080 };

function heartbeat(id: string): Heartbeat {
  return new Heartbeat({
    db,
    logger: createLogger({ silent: true }),
    id,
    startedAt: new Date(),
    hostKeyFingerprint: KEY,
    registry: new TunnelRegistry(),
    stats: { requests: 0 },
    droppedLogs: () => 0,
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
