import { randomBytes } from "node:crypto";
import type { Admission } from "../db.ts";

/** Longest path (with query) kept in a request log row; longer ones end in "…". */
export const LOG_PATH_MAX = 2048;
/** Longest user agent kept in a request log row. */
export const LOG_USER_AGENT_MAX = 512;

/**
 * Why the relay answered a request itself instead of the tunnel's app. Stored in RequestLog.error.
 * - tunnel_offline: the name is reserved but no client is connected.
 * - local_unreachable: the client is connected but nothing answered on its local port.
 * - local_closed: the app took the connection and closed it without answering (it crashed on the
 *   request, or ended it on purpose); it runs, so checking that it does is no advice.
 * - local_not_http: something answered on the local port, but not in HTTP (a database or ssh port
 *   forwarded by mistake, or a dev server refusing a WebSocket with bare text, as Next.js does).
 * - local_socks: the ssh client's -R had no local address (-R name:80): OpenSSH made it a SOCKS
 *   proxy, which hangs up on HTTP; no app is reached until it reconnects with one.
 * - local_headers_too_large: the app's response headers were over what the relay passes on (64 KiB).
 * - local_bad_response: the app answered in HTTP, but not valid HTTP (a control character in a
 *   header, a body longer or shorter than its Content-Length): it runs and its port is right.
 * - local_tls: the relay found out on this request that the app answers in HTTPS; the request had
 *   a body already sent, so it was not sent again (the relay uses HTTPS with the app from then on).
 * - tunnel_loop: the request came back to the relay through its own tunnel (an ssh -R pointed at the
 *   relay's HTTP port instead of an app's), and was answered 508 instead of going round again.
 * - tunnel_unresponsive: the client is connected but did not answer at all in time (asleep, offline).
 * - client_aborted: the visitor went away before the response was complete. Not an error of the
 *   tunnel (see NOT_TUNNEL_ERRORS): every event stream ends so when its visitor leaves the page.
 * - upstream_aborted: the tunnel (or the local app) cut the response short.
 * - relay_draining: the relay is shutting down.
 * - relay_shutdown: a response still going (an event stream, a long download) when the relay
 *   shut down and cut it.
 * - tunnel_busy: the tunnel already had as many requests open as it may, and none finished in time.
 * - replay_stopped: a replay's answer was still coming after the relay stopped reading it (30 s:
 *   an event stream sent again never ends). Not an error of the tunnel (see NOT_TUNNEL_ERRORS):
 *   Burrow stopped its own replay; a replay the app answered 5xx still counts by its status.
 * - access_revoked: an open WebSocket or event stream that the relay closed because its visitor's
 *   access ended (the share link revoked or expired, the password changed, the address no longer
 *   allowed). Not an error of the tunnel either (see NOT_TUNNEL_ERRORS): the owner asked for it.
 * - access_unavailable: the client is connected, but the relay could not load who may open the
 *   name (its database away, and nothing loaded for this tunnel yet), so it answered 503.
 * - stream_dropped: an event stream (a browser's EventSource) to a name whose tunnel was down, held
 *   for the tunnel to come back (server/http/online-wait.ts) and then dropped without an answer
 *   (the wait ran out, or too many were waiting): an EventSource retries after a dropped
 *   connection, where a 503 would have ended it for good. Logged with status 444 (nginx's "closed
 *   without a response").
 */
export const REQUEST_LOG_ERRORS = [
  "tunnel_offline",
  "local_unreachable",
  "local_closed",
  "local_not_http",
  "local_socks",
  "local_headers_too_large",
  "local_bad_response",
  "local_tls",
  "tunnel_loop",
  "tunnel_unresponsive",
  "client_aborted",
  "upstream_aborted",
  "relay_draining",
  "relay_shutdown",
  "tunnel_busy",
  "replay_stopped",
  "access_revoked",
  "access_unavailable",
  "stream_dropped",
] as const;
export type RequestLogError = (typeof REQUEST_LOG_ERRORS)[number];

// In a file of their own, without node:crypto, so the dashboard's client code can use them.
export { isTunnelError, NOT_TUNNEL_ERRORS } from "./tunnel-errors.ts";

/**
 * Which of the relay's own access pages answered a request instead of the tunnel's app (a
 * protected name). Stored in RequestLog.accessPage, so the log can say why a visitor did not get
 * in, or how they did:
 * - password_asked: the password page, or a 401 with a Basic challenge for scripts.
 * - password_wrong: a wrong password (form or Basic auth).
 * - form_expired: the password form was open too long (or its post carried no valid form token);
 *   asked again, not counted as a guess.
 * - too_many_attempts: wrong passwords from this address or to this name are being throttled.
 * - signed_in: the right password; redirected with the access cookie.
 * - link_confirm: a share link with a use limit, waiting for the visitor to confirm the open.
 * - link_opened: a share link counted; redirected with the access cookie.
 * - link_unknown, link_revoked, link_expired, link_used_up: a share link (or its cookie) that no
 *   longer admits.
 * - links_only: the name opens only with a share link.
 * - signed_out: the visitor signed out (a POST to `/__burrow/logout`).
 * - sign_out_confirm: the sign-out address opened with a GET: a page with a Sign out button (a
 *   GET never signs out, so no other site can sign a visitor out with an image or a link).
 * - form_rejected: a post to the relay's forms from another site, or one that could not be read.
 * - now_public: the name is no longer protected; the relay's form sent the visitor on to the page.
 * - not_found: an unknown `/__burrow/` path, or an upgrade to one.
 * - address_not_allowed: the visitor's address is not in the name's allowed addresses.
 * - link_not_needed: a share link opened by a visitor who already had access (a cookie, the
 *   password): not used, just taken off the address with a redirect.
 */
export const ACCESS_PAGES = [
  "password_asked",
  "password_wrong",
  "form_expired",
  "too_many_attempts",
  "signed_in",
  "link_confirm",
  "link_opened",
  "link_unknown",
  "link_revoked",
  "link_expired",
  "link_used_up",
  "links_only",
  "signed_out",
  "form_rejected",
  "now_public",
  "not_found",
  "address_not_allowed",
  "link_not_needed",
  "sign_out_confirm",
] as const;
export type AccessPage = (typeof ACCESS_PAGES)[number];

/** One request log row as the relay queues it (RequestLog without the generated id). */
export interface NewRequestLog {
  at: Date;
  name: string;
  sessionId: string | null;
  method: string;
  /** Path and query, capped with capLogText(…, LOG_PATH_MAX). */
  path: string;
  status: number;
  /** Fractional milliseconds from the request's arrival to the end of the response. */
  durationMs: number;
  /** Body bytes received from the visitor (upgrades: bytes the visitor sent after the handshake). */
  bytesIn: number;
  /** Body bytes sent to the visitor (upgrades: bytes the app sent after the handshake). */
  bytesOut: number;
  clientIp: string;
  userAgent: string | null;
  upgrade: boolean;
  admission: Admission;
  shareLinkId: string | null;
  error: RequestLogError | null;
  accessPage: AccessPage | null;
  /** JSON text from captureHeaders (headers.ts), or null. */
  requestHeaders: string | null;
  responseHeaders: string | null;
  /** The kept start of the request body as hex (bodies.ts), or null when the name keeps none. */
  requestBody: string | null;
  responseBody: string | null;
  /**
   * The start of a compressed response body decoded (hex, at most BODY_KEEP_BYTES), so a search of
   * bodies finds text in it too; null when the response was not compressed or not kept.
   */
  responseBodyDecoded: string | null;
  /** Kept WebSocket frames: when each kept chunk arrived (JSON from frameTimesText); else null. */
  frameTimes: string | null;
  /** For a replay: the id (decimal) of the logged request it was sent from; null otherwise. */
  replayOf: string | null;
  /**
   * Written while the exchange is still open (a WebSocket, an event stream, a long download, a
   * request still waiting for the app's answer: status 0): a RequestLogEnd with the same streamKey
   * finishes the row when it closes.
   */
  open: boolean;
  /** The relay's key for an open row (openStreamKey); null for every other row. */
  streamKey: string | null;
}

/**
 * The end of a row written open: what is known only once a WebSocket or event stream has closed.
 * It updates the row by its streamKey; the rest of the row stays as it was written. Not `final`,
 * it is a checkpoint instead: the time, bytes and kept bodies so far of a connection still open
 * (someone is watching it in the dashboard), and the row stays open.
 */
export interface RequestLogEnd {
  kind: "end";
  final: boolean;
  streamKey: string;
  /** The row's name, for the write's announcement (the dashboard's live log). */
  name: string;
  /**
   * The status so far: a row written while its request waited for the app (status 0) gets the
   * answer's here, or the relay's page's. Null in ends an older relay spooled: the row's stays.
   */
  status: number | null;
  /** The app's response headers (captureHeaders), with `status`; null when none or not kept. */
  responseHeaders: string | null;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  error: RequestLogError | null;
  requestBody: string | null;
  responseBody: string | null;
  responseBodyDecoded: string | null;
  frameTimes: string | null;
}

/**
 * Where a row written open while its request waited for the app's answer (status 0; see
 * NewRequestLog.open) stands: "waiting" while the answer may still come, "no_answer" when its
 * tunnel went away without the row's end being written (openState "unrecorded": the relay stopped
 * or crashed meanwhile), so no answer was ever recorded. Null for every other row, whose status is
 * its answer's. Every view of the log reads such rows through this (the dashboard's "Waiting / for
 * your app" and "No answer", the request's details, `burrow logs`, the exports, the follower), so
 * none shows a bare status 0.
 */
export function waitingState(row: {
  status: number;
  openState: "open" | "unrecorded" | null;
}): "waiting" | "no_answer" | null {
  if (row.status !== 0 || row.openState === null) return null;
  return row.openState === "open" ? "waiting" : "no_answer";
}

/** Whether a row's request is still waiting for the app's answer (waitingState). */
export function isWaitingForApp(row: { status: number; openState: "open" | "unrecorded" | null }): boolean {
  return waitingState(row) === "waiting";
}

/** What the relay queues for the request log: a row, or the end of a row written open. */
export type RequestLogEntry = NewRequestLog | RequestLogEnd;

export function isRequestLogEnd(entry: RequestLogEntry): entry is RequestLogEnd {
  return (entry as RequestLogEnd).kind === "end";
}

/** Clears an entry's kept bodies and what came of them (searchable text, message times), in place. */
export function withoutBodies<T extends RequestLogEntry>(entry: T): T {
  entry.requestBody = null;
  entry.responseBody = null;
  entry.responseBodyDecoded = null;
  entry.frameTimes = null;
  return entry;
}

/** A new key for a row written open: random, so a row can only be finished by its own relay. */
export function openStreamKey(): string {
  return randomBytes(12).toString("base64url");
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Caps text for a log column: at most `max` UTF-16 units (ending in "…" when cut), never a lone
 * surrogate (at the cut or anywhere), and without NUL characters: PostgreSQL text can store
 * neither, and one such row would fail its whole batch.
 */
export function capLogText(text: string, max: number): string {
  let out = text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  out = out.replace(LONE_SURROGATE, "\ufffd");
  if (out.length <= max) return out;
  let end = max - 1;
  const last = out.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  out = `${out.slice(0, end)}…`;
  return out;
}

/** The path column value for a request target. */
export function capLogPath(path: string): string {
  return capLogText(path, LOG_PATH_MAX);
}

/** The user agent column value (null when the visitor sent none). */
export function capUserAgent(userAgent: string | undefined): string | null {
  return userAgent === undefined || userAgent === "" ? null : capLogText(userAgent, LOG_USER_AGENT_MAX);
}
