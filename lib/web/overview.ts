import "server-only";
import type { Db } from "../db.ts";
import { listNames, type NameListItem } from "../names/service.ts";

export interface RecentError {
  id: string;
  at: Date;
  name: string;
  method: string;
  path: string;
  status: number;
  error: string | null;
}

export interface Overview {
  names: NameListItem[];
  requests24h: number;
  errors24h: number;
  recentErrors: RecentError[];
}

const DAY_MS = 86_400_000;

/**
 * The home page's numbers. Only the user's current names count: a released name's log is deleted
 * with it, and a name's previous owner never sees the next owner's traffic.
 */
export async function loadOverview(db: Db, userId: string, now = Date.now()): Promise<Overview> {
  const names = await listNames(db, userId);
  const requests24h = names.reduce((sum, n) => sum + n.requests24h, 0);
  if (names.length === 0) return { names, requests24h, errors24h: 0, recentErrors: [] };
  const where = {
    name: { in: names.map((n) => n.name) },
    at: { gte: new Date(now - DAY_MS) },
    OR: [{ status: { gte: 500 } }, { error: { not: null } }],
  };
  const [errors24h, recent] = await Promise.all([
    db.requestLog.count({ where }),
    db.requestLog.findMany({
      where,
      orderBy: { id: "desc" },
      take: 8,
      select: { id: true, at: true, name: true, method: true, path: true, status: true, error: true },
    }),
  ]);
  return { names, requests24h, errors24h, recentErrors: recent.map((r) => ({ ...r, id: String(r.id) })) };
}
