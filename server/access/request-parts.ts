/**
 * Small, pure readers of the parts of a visitor's request the access gate looks at: the query's
 * share token, the access cookie, Basic credentials, the redirect target and the request's origin.
 * Everything here treats its input as hostile.
 */
import type { IncomingHttpHeaders } from "node:http";
import { ACCESS_COOKIE } from "../../lib/sharing/access-cookie.ts";
import { SHARE_PARAM } from "../../lib/sharing/tokens.ts";

/**
 * Paths under this prefix are the relay's own (the password form posts to `/__burrow/login`, a
 * share link's confirmation to `/__burrow/share`, `/__burrow/logout` signs a visitor out); they
 * never reach a tunnel's app, whatever its access mode.
 */
export const RESERVED_PREFIX = "/__burrow/";
export const LOGIN_PATH = `${RESERVED_PREFIX}login`;
/** Clears the visitor's access cookie (an app can link to it as its "sign out"). */
export const LOGOUT_PATH = `${RESERVED_PREFIX}logout`;
/** Where the confirmation page of a share link with a use limit posts to. */
export const SHARE_PATH = `${RESERVED_PREFIX}share`;

/** A request target split at the first "?" (a fragment never reaches a server). */
export function splitTarget(target: string): { pathname: string; query: string | null } {
  const q = target.indexOf("?");
  return q < 0
    ? { pathname: target, query: null }
    : { pathname: target.slice(0, q), query: target.slice(q + 1) };
}

function decodeQueryPart(part: string): string | null {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/**
 * Removes every `burrow_share` parameter from a request target, keeping the other parameters in
 * their order and exact spelling. A parameter whose name only decodes to `burrow_share`
 * (`burrow%5Fshare`) is removed too, so no spelling carries a token to the app. Returns the first
 * token's value (decoded) and the cleaned target; `path` is the input itself when nothing changed.
 */
export function takeShareParam(target: string): { token: string | null; path: string; found: boolean } {
  const { pathname, query } = splitTarget(target);
  // Fast path for the common query: it cannot name the parameter, plainly or percent-encoded.
  if (query === null || (!query.includes("%") && !query.includes(SHARE_PARAM))) {
    return { token: null, path: target, found: false };
  }
  let token: string | null = null;
  let found = false;
  const kept: string[] = [];
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const key = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
    if (key === SHARE_PARAM) {
      found = true;
      if (token === null) token = eq < 0 ? "" : (decodeQueryPart(part.slice(eq + 1)) ?? "");
      continue;
    }
    kept.push(part);
  }
  if (!found) return { token: null, path: target, found: false };
  const rest = kept.join("&");
  return { token, path: rest === "" ? pathname || "/" : `${pathname || "/"}?${rest}`, found: true };
}

/** Every value of the access cookie in a Cookie header (normally one; a stale duplicate is possible). */
export function accessCookieValues(headers: IncomingHttpHeaders): string[] {
  const header = headers.cookie;
  if (!header?.includes(ACCESS_COOKIE)) return [];
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== ACCESS_COOKIE) continue;
    values.push(pair.slice(eq + 1).trim());
  }
  return values;
}

/** True when the Cookie header names the access cookie at all (so it must be removed upstream). */
export function carriesAccessCookie(headers: IncomingHttpHeaders): boolean {
  return accessCookieValues(headers).length > 0;
}

/**
 * The password of an `Authorization: Basic` header (any user name: `curl -u :secret`), or null
 * when there is none or it is malformed. Other schemes (Bearer…) belong to the app.
 */
export function basicAuthPassword(headers: IncomingHttpHeaders): string | null {
  const header = headers.authorization;
  if (!header || header.length > 2048) return null;
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return decoded.slice(colon + 1);
}

/**
 * Where to send a visitor after signing in: only a path on this same host. Anything that a browser
 * could read as another origin ("/\\evil.example", "https://…"), the relay's own paths and control
 * characters fall back to "/", and "//x" is written so that it cannot be. That is what keeps the
 * form from being an open redirect.
 */
export function safeReturnPath(candidate: string | null | undefined): string {
  if (!candidate || candidate.length > 2048) return "/";
  if (!candidate.startsWith("/")) return "/";
  // Browsers drop tabs and newlines from URLs and treat "\" like "/": reject rather than normalise.
  if (candidate.includes("\\") || hasControlCharacter(candidate)) return "/";
  if (candidate.startsWith(RESERVED_PREFIX)) return "/";
  return sameHostPath(takeShareParam(candidate).path);
}

/**
 * A path as a Location that can only mean this host. "//x" is a real path here (the visitor asked
 * for https://name.example//x), but as a Location it would name the host "x"; "/.//x" is the same
 * path to a browser, which drops the "." segment. A backslash counts as "/" to browsers.
 */
export function sameHostPath(path: string): string {
  return /^[/\\][/\\]/.test(path) ? `/.${path}` : path;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Whether a form post came from a page of this very host: the Origin header when the browser sent
 * one (all current browsers do on POST), else the Referer's origin. Returns "absent" when neither is
 * there; the caller then relies on the signed form token alone.
 */
export function postOrigin(
  headers: IncomingHttpHeaders,
  proto: "http" | "https",
): "same" | "cross" | "absent" {
  const host = headers.host;
  if (!host) return "cross";
  const expected = `${proto}://${host}`.toLowerCase();
  const origin = headers.origin;
  // A page with `Referrer-Policy: no-referrer` makes the browser send `Origin: null` even to its
  // own host (the share link's confirmation uses strict-origin so that its post does not).
  // Sec-Fetch-Site is set by the browser alone (a page cannot forge it), so it tells a same-origin
  // form from a cross-site one or a sandboxed frame.
  if (origin === "null") return headers["sec-fetch-site"] === "same-origin" ? "same" : "cross";
  if (origin !== undefined) return origin.toLowerCase() === expected ? "same" : "cross";
  const referer = headers.referer;
  if (referer === undefined) return "absent";
  try {
    return new URL(referer).origin.toLowerCase() === expected ? "same" : "cross";
  } catch {
    return "cross";
  }
}

/**
 * Whether the visitor is a browser navigating (gets the HTML page) rather than a script, an
 * EventSource or a WebSocket (gets a short plain-text answer: for a password, a 401 with the Basic
 * challenge that wget, Python's urllib and the like wait for before they send credentials). A
 * browser says it navigates (Sec-Fetch-Mode); one too old to say asks for HTML when it does (a GET
 * or HEAD), or says it fills a document (a form submitted after the cookie ran out, any method).
 * The page, not a challenge, to a navigation: a 401 with a Basic challenge would make the browser
 * show its own unbranded login dialog.
 */
export function wantsPage(request: {
  method: string;
  upgrade: boolean;
  headers: IncomingHttpHeaders;
}): boolean {
  if (request.upgrade) return false;
  const { accept = "", "sec-fetch-mode": mode, "sec-fetch-dest": dest } = request.headers;
  if (accept.includes("text/event-stream")) return false;
  if (mode !== undefined) return mode === "navigate";
  if (request.method === "GET" || request.method === "HEAD") return accept.includes("text/html");
  return dest === "document" && accept.includes("text/html");
}

/**
 * Whether a 401 may carry the Basic challenge. Scripts (curl, wget, Python's urllib) need it: some
 * send the password only once challenged. A browser's own requests from a page (fetch, XHR,
 * EventSource, images: they say Sec-Fetch-Mode, which a page cannot remove) must not get it, or the
 * browser lays its unbranded login dialog over the app's page when the access cookie has run out;
 * the app sees a plain 401 and can send the visitor to the password page by reloading.
 */
export function wantsChallenge(headers: IncomingHttpHeaders): boolean {
  return headers["sec-fetch-mode"] === undefined;
}
