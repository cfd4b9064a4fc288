import type { RequestLogError } from "../../lib/request-logs/row.ts";
import { isUnresponsiveTunnel, type Tunnel, type TunnelRegistry } from "../registry.ts";
import { messages } from "../ssh/messages.ts";
import type { OwnerNotices } from "./owner-notices.ts";
import { type EdgePage, PAGES } from "./pages.ts";

/** What answered on the local port did not speak HTTP (see isNotHttp, probeApp). */
export const LOCAL_NOT_HTTP = { error: "local_not_http", page: PAGES.localNotHttp } as const;

/**
 * The most response head the relay reads from an app: 4 times Node's (and undici's) 16 KiB default,
 * as browsers take far more (and apps that keep sessions in cookies send a lot); a bound still, as
 * the head is held whole before it is passed on. Node's parser (upgrades) holds to it exactly;
 * undici checks it after each read of the channel, so a head that arrives in one read may be larger
 * (by up to a read's worth): the pool checks the parsed head again (isHeadTooLarge).
 */
export const MAX_APP_HEADER_BYTES = 64 * 1024;

/**
 * Whether a parsed response head is over MAX_APP_HEADER_BYTES, counted as its header lines are
 * ("name: value\r\n"; the status line aside).
 */
export function isHeadTooLarge(headers: Record<string, string | string[] | undefined>): boolean {
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === "string") bytes += name.length + value.length + 4;
    else if (value) for (const one of value) bytes += name.length + one.length + 4;
    if (bytes > MAX_APP_HEADER_BYTES) return true;
  }
  return false;
}

/** The error for a head isHeadTooLarge found, with undici's own code (isHeaderOverflow). */
export function headersTooLargeError(): Error {
  return Object.assign(new Error(`the app's response head is over ${MAX_APP_HEADER_BYTES} bytes`), {
    code: "UND_ERR_HEADERS_OVERFLOW",
  });
}

/** The app's response head was larger than MAX_APP_HEADER_BYTES. */
export const LOCAL_HEADERS_TOO_LARGE = {
  error: "local_headers_too_large",
  page: PAGES.localHeadersTooLarge,
} as const;

/**
 * The app took the connection and closed it without a byte, and a probe found it is no HTTPS or
 * other-protocol server: it runs, and this request made it hang up (it crashed on it, say).
 */
export const LOCAL_CLOSED = { error: "local_closed", page: PAGES.localClosed } as const;

/**
 * No app: the ssh client's -R had no local address (`-R name:80`), so OpenSSH serves the tunnel as
 * a SOCKS proxy and hangs up on every request (probeApp's "socks").
 */
export const LOCAL_SOCKS = { error: "local_socks", page: PAGES.localSocks } as const;

/** The app answered in HTTP, but not valid HTTP (see isBadResponse). */
export const LOCAL_BAD_RESPONSE = { error: "local_bad_response", page: PAGES.localBadResponse } as const;

/** The app turned out to answer in HTTPS after the request's body had gone out in plain HTTP. */
export const LOCAL_TLS = { error: "local_tls", page: PAGES.localTls } as const;

/**
 * Why the tunnel's app did not answer, for the log and the visitor's page: the tunnel went away
 * meanwhile (offline), its SSH client never answered (not responding), what answered on the local
 * port did not speak HTTP, or nothing answered there. One answer for requests, upgrades and
 * replays alike.
 */
export function tunnelFailure(
  registry: TunnelRegistry,
  tunnel: Tunnel,
  cause: unknown,
): { error: RequestLogError; page: EdgePage } {
  if (registry.get(tunnel.name) !== tunnel) {
    // Its client stopped answering (a laptop asleep) while the request waited on a channel already
    // open, and keepalives dropped it: that is "not responding", as when a channel cannot open.
    return tunnel.closeReason === "keepalive_timeout"
      ? { error: "tunnel_unresponsive", page: PAGES.tunnelUnresponsive }
      : { error: "tunnel_offline", page: PAGES.tunnelOffline };
  }
  if (isUnresponsiveTunnel(cause)) return { error: "tunnel_unresponsive", page: PAGES.tunnelUnresponsive };
  if (isHeaderOverflow(cause)) return LOCAL_HEADERS_TOO_LARGE;
  if (isBadResponse(cause)) return LOCAL_BAD_RESPONSE;
  if (isNotHttp(cause)) return LOCAL_NOT_HTTP;
  return { error: "local_unreachable", page: PAGES.localUnreachable };
}

/**
 * The app's response head went over MAX_APP_HEADER_BYTES: undici's HeadersOverflowError (requests),
 * Node's HPE_HEADER_OVERFLOW (upgrades). The answer was HTTP, just too big.
 */
export function isHeaderOverflow(cause: unknown): boolean {
  const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
  return code === "UND_ERR_HEADERS_OVERFLOW" || code === "HPE_HEADER_OVERFLOW";
}

/**
 * The app's answer could not be read as HTTP: undici's HTTPParserError (requests), Node's HPE_*
 * parse errors (upgrades, whose answer Node's client reads). Includes answers that are HTTP but
 * broken (isBadResponse tells those apart).
 */
export function isNotHttp(cause: unknown): cause is Error {
  if (!(cause instanceof Error)) return false;
  const code = (cause as NodeJS.ErrnoException).code;
  if (isHeaderOverflow(cause)) return false;
  return cause.name === "HTTPParserError" || (typeof code === "string" && code.startsWith("HPE_"));
}

/**
 * The app's answer began as HTTP but broke its rules: a parse error past the first bytes (what is
 * not HTTP at all, a database's greeting or a TLS alert, fails at "Expected HTTP/", llhttp's
 * HPE_INVALID_CONSTANT), or a body that does not match its Content-Length. The app runs, on the
 * right port: advice to start it or change the port would mislead.
 */
export function isBadResponse(cause: unknown): cause is Error {
  if (!(cause instanceof Error)) return false;
  const code = (cause as NodeJS.ErrnoException).code;
  // Node's server refusing to write one of its headers (proxy.ts writeHead).
  if (code === "UND_ERR_RES_CONTENT_LENGTH_MISMATCH" || code === "ERR_INVALID_CHAR") return true;
  if (!isNotHttp(cause)) return false;
  return !/Expected HTTP\/|Invalid constant/i.test(cause.message) && code !== "HPE_INVALID_CONSTANT";
}

/** What was wrong with a bad answer, in the parser's words ("Invalid header value char"). */
export function badResponseReason(cause: Error): string {
  const said = /\(([^)]+)\)\s*$/.exec(cause.message)?.[1] ?? cause.message;
  return said.replace(/[^\x20-\x7e]/g, "?").slice(0, 120);
}

/**
 * Tells the tunnel's owner, once until the app answers again, what to check when visitors got
 * "nothing answers on the local port" (their ssh session and tunnel page; `ssh -N` shows nothing).
 */
export function tellIfUnreachable(notices: OwnerNotices, tunnel: Tunnel, error: RequestLogError): void {
  if (error !== "local_unreachable") return;
  notices.tell(tunnel, "local_unreachable", messages.localUnreachable(tunnel.name));
}

/**
 * Tells the tunnel's owner, once until their app answers well again, which request got an answer
 * that is HTTP but broken, and what the parser found wrong (isBadResponse).
 */
export function tellIfBadResponse(
  notices: OwnerNotices,
  tunnel: Tunnel,
  request: string,
  cause: unknown,
): void {
  if (!isBadResponse(cause)) return;
  notices.tell(
    tunnel,
    "local_bad_response",
    messages.localBadResponse(tunnel.name, request, badResponseReason(cause)),
  );
}

/**
 * Tells the tunnel's owner, once until their app answers in HTTP again, that visitors got "does not
 * speak HTTP" and what to check: the -R most likely names an SSH or database port. Requests only:
 * a dev server refusing a WebSocket with bare text (Next.js) gets its own advice (host-refusal.ts).
 */
export function tellIfNotHttp(notices: OwnerNotices, tunnel: Tunnel, error: RequestLogError): void {
  if (error !== "local_not_http") return;
  notices.tell(tunnel, "local_not_http", messages.localNotHttp(tunnel.name));
}

/**
 * Tells the tunnel's owner, once per connection (its -R cannot change without reconnecting), that
 * their -R has no local address and what to type instead.
 */
export function tellIfSocks(notices: OwnerNotices, tunnel: Tunnel, error: RequestLogError): void {
  if (error !== "local_socks") return;
  notices.tell(tunnel, "local_socks", messages.localSocks(tunnel.name));
}
