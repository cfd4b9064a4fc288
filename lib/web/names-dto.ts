import { randomNameKeptUntil } from "../names/random-hold.ts";
import type { NameListItem, RandomNameItem } from "../names/service.ts";
import type { LogDeletionView } from "./log-deletion-view.ts";

// JSON-safe shapes of the names list, shared by the page (first render) and the polling route.

export interface NameRow {
  name: string;
  online: boolean;
  lastSeenAt: string | null;
  requests24h: number;
  /** 5xx answers and requests the relay could not deliver, in the last 24 hours. */
  errors24h: number;
  accessMode: string;
  /** How many allowed networks narrow the access mode (0: any address). */
  allowedNetworks: number;
  session: { startedAt: string; clientIp: string; requests: number } | null;
}

/** A random name the relay keeps for the user (see listRandomNames). */
export interface RandomNameRow {
  name: string;
  online: boolean;
  /** Until when a reconnect gets it back; null while connected. */
  keptUntil: string | null;
  requests24h: number;
  errors24h: number;
  session: { startedAt: string; clientIp: string; requests: number } | null;
}

export interface NamesSnapshot {
  names: NameRow[];
  maxNames: number;
  randomNames: RandomNameRow[];
  /** How many SSH keys the user has: the overview's Get started ticks its first step from this poll. */
  sshKeys: number;
  /** The user's names released lately whose log is being deleted, or was (the names page only). */
  releases?: LogDeletionView[];
}

/**
 * Whether any of these names has had a tunnel (one is up, or was seen, or the relay keeps a random
 * name for the user): from then on the overview is about tunnels, not about getting started.
 */
export function anyTunnelSeen(snapshot: Pick<NamesSnapshot, "names" | "randomNames">): boolean {
  return snapshot.randomNames.length > 0 || snapshot.names.some((n) => n.online || n.lastSeenAt !== null);
}

/** The overview's tiles: tunnels online of all (random names too), requests and errors in 24 h. */
export function overviewTotals(snapshot: Pick<NamesSnapshot, "names" | "randomNames">): {
  online: number;
  tunnels: number;
  requests24h: number;
  errors24h: number;
} {
  const all = [...snapshot.names, ...snapshot.randomNames];
  return {
    online: all.filter((n) => n.online).length,
    tunnels: all.length,
    requests24h: all.reduce((sum, n) => sum + n.requests24h, 0),
    errors24h: all.reduce((sum, n) => sum + n.errors24h, 0),
  };
}

export function toNameRow(item: NameListItem): NameRow {
  return {
    name: item.name,
    online: item.online,
    lastSeenAt: item.lastSeenAt?.toISOString() ?? null,
    requests24h: item.requests24h,
    errors24h: item.errors24h,
    accessMode: item.accessMode,
    allowedNetworks: item.allowedIps.length,
    session: toSessionRow(item.currentSession),
  };
}

export function toRandomNameRow(item: RandomNameItem, holdHours: number): RandomNameRow {
  return {
    name: item.name,
    online: item.online,
    keptUntil: randomNameKeptUntil(item, holdHours)?.toISOString() ?? null,
    requests24h: item.requests24h,
    errors24h: item.errors24h,
    session: toSessionRow(item.currentSession),
  };
}

function toSessionRow(session: NameListItem["currentSession"]): NameRow["session"] {
  return session
    ? { startedAt: session.startedAt.toISOString(), clientIp: session.clientIp, requests: session.requests }
    : null;
}
