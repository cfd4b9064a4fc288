import "server-only";
import type { Db } from "../db.ts";

export interface LiveTunnelRow {
  sessionId: string;
  name: string;
  email: string;
  clientIp: string;
  startedAt: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  randomName: boolean;
}

/** Every tunnel up right now across all users (sessions not ended), newest first. */
export async function listLiveTunnels(db: Db): Promise<LiveTunnelRow[]> {
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
  return sessions.map((s) => ({
    sessionId: s.id,
    name: s.name,
    email: s.user.email,
    clientIp: s.clientIp,
    startedAt: s.startedAt.toISOString(),
    requests: s.requests,
    bytesIn: Number(s.bytesIn),
    bytesOut: Number(s.bytesOut),
    randomName: s.randomName,
  }));
}
