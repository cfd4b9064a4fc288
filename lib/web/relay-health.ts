import "server-only";
import type { Db } from "../db.ts";

/** A relay that has not written a heartbeat for this long is shown as down (it writes every ~10 s). */
export const HEARTBEAT_STALE_MS = 30_000;

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

/** Every relay that reported in the last day, newest first. */
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
