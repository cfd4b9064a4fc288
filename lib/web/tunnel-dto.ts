import type { NameDetail } from "../names/service.ts";
import type { HeaderPair } from "../request-logs/headers.ts";
import type { OpenState, RequestLogRow } from "../request-logs/query.ts";

// JSON-safe shapes for the tunnel page's live parts (first render and polling share them).

export interface TunnelStatus {
  online: boolean;
  lastSeenAt: string | null;
  session: {
    startedAt: string;
    clientIp: string;
    requests: number;
    bytesIn: number;
    bytesOut: number;
    /** The relay's advice about the app (e.g. its host check refuses visitors), if any. */
    notice: string | null;
  } | null;
}

export function toTunnelStatus(detail: NameDetail): TunnelStatus {
  const s = detail.currentSession;
  return {
    online: detail.online,
    lastSeenAt: detail.lastSeenAt?.toISOString() ?? null,
    session: s
      ? {
          startedAt: s.startedAt.toISOString(),
          clientIp: s.clientIp,
          requests: s.requests,
          bytesIn: s.bytesIn,
          bytesOut: s.bytesOut,
          notice: s.notice,
        }
      : null,
  };
}

export interface LogRow {
  id: string;
  at: string;
  method: string;
  path: string;
  /** 0 while the request waits for the app's answer (waitingState in lib/request-logs/row.ts). */
  status: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  clientIp: string;
  userAgent: string | null;
  /** How the visitor got in (or DENIED), from the tunnel's access mode. */
  admission: RequestLogRow["admission"];
  upgrade: boolean;
  error: string | null;
  /** Which of Burrow's access pages answered instead of the app (see lib/web/log-access). */
  accessPage: string | null;
  /** The label of the share link the visitor came in with, while the link exists. */
  shareLinkLabel: string | null;
  /** [name, value] pairs; a null value is a credential that was not kept. Null: not recorded. */
  requestHeaders: HeaderPair[] | null;
  responseHeaders: HeaderPair[] | null;
  /** The name kept this request's bodies: the details load them on demand. */
  bodiesKept: boolean;
  /** A replay's original request (its id), which may have gone from the log since. */
  replayOf: string | null;
  /**
   * A WebSocket, event stream or long response still open ("open"), or whose end was lost
   * ("unrecorded"); with status 0, a request still waiting for the app's answer, or that never got
   * one (waitingState tells them apart, for every view of the row).
   */
  openState: OpenState | null;
}

export interface LogPage {
  rows: LogRow[];
  nextCursor: string | null;
  /** A search that stopped at its window: it looked only at requests after this time (ISO). */
  searchedSince: string | null;
  /** Where the live tail asks on from (RequestLogPage.tailFrom); null for older pages. */
  tailFrom: string | null;
  /** The rows the live tail asked about again (`refresh`), as they are now; gone ones left out. */
  refreshed?: LogRow[];
  /**
   * A tail filtered on the answer: the requests it left out while they waited for the app that
   * now match, to put in their places (newest first), and those to send as `waiting` next time
   * (tailRequestLogs in lib/request-logs/tail.ts); the tunnel page's first page has `waiting` too,
   * for the tail's first look (listRequestLogsForTail).
   */
  answered?: LogRow[];
  waiting?: string[];
}

export function toLogRow(row: RequestLogRow): LogRow {
  return {
    id: row.id,
    at: row.at.toISOString(),
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: row.durationMs,
    bytesIn: row.bytesIn,
    bytesOut: row.bytesOut,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    admission: row.admission,
    upgrade: row.upgrade,
    error: row.error,
    accessPage: row.accessPage,
    shareLinkLabel: row.shareLinkLabel,
    requestHeaders: row.requestHeaders,
    responseHeaders: row.responseHeaders,
    bodiesKept: row.bodiesKept,
    replayOf: row.replayOf,
    openState: row.openState,
  };
}

export interface StatsSeries {
  range: "hour" | "day";
  points: { at: string; requestsPerMinute: number; errorRate: number; requests: number; errors: number }[];
}
