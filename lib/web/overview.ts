import "server-only";
import type { Db } from "../db.ts";
import { listNames, listRandomNames, type NameListItem, type RandomNameItem } from "../names/service.ts";
import { listRecentErrors } from "../request-logs/query.ts";

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
  randomNames: RandomNameItem[];
  requests24h: number;
  errors24h: number;
  recentErrors: RecentError[];
}

const DAY_MS = 86_400_000;

/** Errors the home page lists. */
const RECENT_ERRORS = 8;

/**
 * The home page's numbers. Only the user's current names count (their reservations, and the random
 * names the relay keeps for them): a released name's log is deleted with it, and a name's previous
 * owner never sees the next owner's traffic.
 */
export async function loadOverview(
  db: Db,
  userId: string,
  randomNameHours: number,
  now = Date.now(),
): Promise<Overview> {
  const [names, randomNames] = await Promise.all([
    listNames(db, userId),
    listRandomNames(db, userId, randomNameHours),
  ]);
  const all = [...names, ...randomNames];
  const requests24h = all.reduce((sum, n) => sum + n.requests24h, 0);
  if (all.length === 0) return { names, randomNames, requests24h, errors24h: 0, recentErrors: [] };
  const nameList = all.map((n) => n.name);
  const since = new Date(now - DAY_MS);
  const errors24h = all.reduce((sum, n) => sum + n.errors24h, 0);
  const recent = errors24h === 0 ? [] : await listRecentErrors(db, nameList, since, RECENT_ERRORS);
  return {
    names,
    randomNames,
    requests24h,
    errors24h,
    recentErrors: recent.map((r) => ({ ...r, id: String(r.id) })),
  };
}
