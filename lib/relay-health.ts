/**
 * What the relays' heartbeats say, read by the admin page and `burrow status` (the relay writes
 * them: server/heartbeat.ts).
 */
import type { Db } from "./db.ts";
import { HEARTBEAT_STALE_MS } from "./relay-heartbeat.ts";

export interface RelayHealth {
  id: string;
  up: boolean;
  startedAt: Date;
  seenAt: Date;
  hostKeyFingerprint: string;
  sshPort: number;
  httpPort: number;
  tunnels: number;
  requestsPerMinute: number;
  droppedLogs: number;
}

/**
 * Every relay that reported in the last day, newest first. A relay that stopped cleanly has removed
 * its row, and one restarted on the same ports with the same host key removes its predecessor's:
 * "down" is a relay that crashed or lost its database and has not come back.
 */
export async function listRelayHealth(db: Db, now = Date.now()): Promise<RelayHealth[]> {
  const rows = await db.relayHeartbeat.findMany({
    where: { seenAt: { gte: new Date(now - 86_400_000) } },
    orderBy: { seenAt: "desc" },
  });
  return rows.map((r) => ({ ...r, up: now - r.seenAt.getTime() < HEARTBEAT_STALE_MS }));
}

/** The SSH host key fingerprint users should see on first connect: from the freshest heartbeat. */
export async function currentHostKeyFingerprint(db: Db): Promise<string | null> {
  const latest = await db.relayHeartbeat.findFirst({
    orderBy: { seenAt: "desc" },
    select: { hostKeyFingerprint: true },
  });
  return latest?.hostKeyFingerprint ?? null;
}
