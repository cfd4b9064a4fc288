import type { NameListItem } from "../names/service.ts";

// JSON-safe shapes of the names list, shared by the page (first render) and the polling route.

export interface NameRow {
  name: string;
  online: boolean;
  lastSeenAt: string | null;
  requests24h: number;
  accessMode: string;
  /** How many allowed networks narrow the access mode (0: any address). */
  allowedNetworks: number;
  session: { startedAt: string; clientIp: string; requests: number } | null;
}

export interface NamesSnapshot {
  names: NameRow[];
  maxNames: number;
}

export function toNameRow(item: NameListItem): NameRow {
  return {
    name: item.name,
    online: item.online,
    lastSeenAt: item.lastSeenAt?.toISOString() ?? null,
    requests24h: item.requests24h,
    accessMode: item.accessMode,
    allowedNetworks: item.allowedIps.length,
    session: item.currentSession
      ? {
          startedAt: item.currentSession.startedAt.toISOString(),
          clientIp: item.currentSession.clientIp,
          requests: item.currentSession.requests,
        }
      : null,
  };
}
