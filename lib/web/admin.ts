import "server-only";
import type { Db } from "../db.ts";
import { endSessionsOfStoppedRelays } from "../tunnel-sessions/stopped-relays.ts";

export interface LiveTunnelRow {
  sessionId: string;
  name: string;
  email: string;
  clientIp: string;
  startedAt: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** A random name not reserved since (Keep this name reserves it while its tunnel stays up). */
  randomName: boolean;
}

/** Every tunnel up right now across all users (sessions not ended), newest first. */
export async function listLiveTunnels(db: Db): Promise<LiveTunnelRow[]> {
  // Not the tunnels of a relay that stopped without ending them (none may run now).
  await endSessionsOfStoppedRelays(db);
  const sessions = await db.tunnelSession.findMany({
    where: { endedAt: null },
    orderBy: { startedAt: "desc" },
    take: 500,
    select: {
      id: true,
      name: true,
      clientIp: true,
      startedAt: true,
      requests: true,
      bytesIn: true,
      bytesOut: true,
      randomName: true,
      user: { select: { email: true } },
    },
  });
  // The session row says how the tunnel started; the reservations say what the name is now.
  const randomNames = sessions.filter((s) => s.randomName).map((s) => s.name);
  const kept = new Set(
    randomNames.length === 0
      ? []
      : (await db.reservation.findMany({ where: { name: { in: randomNames } }, select: { name: true } })).map(
          (r) => r.name,
        ),
  );
  return sessions.map((s) => ({
    sessionId: s.id,
    name: s.name,
    email: s.user.email,
    clientIp: s.clientIp,
    startedAt: s.startedAt.toISOString(),
    requests: s.requests,
    bytesIn: Number(s.bytesIn),
    bytesOut: Number(s.bytesOut),
    randomName: s.randomName && !kept.has(s.name),
  }));
}
