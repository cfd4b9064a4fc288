/**
 * Header rewriting at the edge: hop-by-hop headers stop here (RFC 9110 §7.6.1), and the
 * X-Forwarded-* / Forwarded family is always written by the relay itself. Headers travel as Node's
 * raw `[name, value, name, value, …]` arrays so duplicates (Set-Cookie) and spelling survive and no
 * object is built per request.
 */
import { plainAddress } from "../../lib/forwarding/ip-address.ts";
import { takeShareParam } from "../access/request-parts.ts";

/** Connection-scoped headers: they describe the visitor↔relay hop and must not be forwarded. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
]);

// The relay is the edge: whatever a visitor claims in these is dropped and replaced with what the
// relay saw (or, from a peer in BURROW_TRUSTED_PROXIES, what dispatch.ts read from that proxy's
// headers). Appending to a visitor's X-Forwarded-For would let anyone pose as any address to an app
// that reads the left-most entry.
const EDGE_OWNED: ReadonlySet<string> = new Set([
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-real-ip",
]);

/** What the relay knows about a visitor's request, written into the forwarding headers. */
export interface ForwardedFacts {
  /** The visitor's address as the relay saw it (normalised with normalizeIp). */
  clientIp: string;
  /** The Host header exactly as the visitor sent it. */
  host: string;
  proto: "http" | "https";
  /** The relay port the visitor connected to. */
  port: number;
}

/** Changes an access check asks for before a request is forwarded (e.g. remove its own cookie). */
export interface HeaderEdits {
  /** Cookie names removed from the Cookie header (the relay's access cookie). */
  dropCookies?: readonly string[];
  /** Remove Authorization (when the relay consumed it for a tunnel password). */
  dropAuthorization?: boolean;
  /** Replaces the Host header (the name's "Host: localhost" setting); X-Forwarded-Host keeps the visitor's. */
  host?: string;
}

/** "::ffff:203.0.113.5" (an IPv4 visitor on a dual-stack socket) → "203.0.113.5"; none → "unknown". */
export function normalizeIp(address: string | undefined): string {
  return address ? plainAddress(address) : "unknown";
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The RFC 7239 Forwarded value: `for=203.0.113.5;host=app.example.com;proto=https`. IPv6 addresses
 * are bracketed and quoted, and any value that is not a plain token (a host with a port) is quoted.
 */
export function forwardedHeaderValue(facts: ForwardedFacts): string {
  const forNode = facts.clientIp.includes(":") ? `"[${facts.clientIp}]"` : facts.clientIp;
  return `for=${quoteIfNeeded(forNode)};host=${quoteIfNeeded(facts.host)};proto=${facts.proto}`;
}

function quoteIfNeeded(value: string): string {
  if (value.startsWith('"') || TOKEN.test(value)) return value;
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** Header names listed in a Connection header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionListed(rawHeaders: readonly string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 10 || rawHeaders[i]!.toLowerCase() !== "connection") continue;
    for (const token of rawHeaders[i + 1]!.split(",")) {
      const name = token.trim().toLowerCase();
      if (!name) continue;
      listed ??= new Set();
      listed.add(name);
    }
  }
  return listed;
}

/**
 * Headers for the request sent through the tunnel: the visitor's headers minus hop-by-hop and
 * edge-owned ones, plus fresh X-Forwarded-For/-Proto/-Host/-Port, X-Real-IP and Forwarded. The Host
 * header is kept as sent: it is the tunnel URL the app expects to see.
 *
 * Transfer-Encoding goes too: the HTTP client (undici) frames the body itself, from Content-Length
 * or with chunked encoding. So does Expect: Node's server has already answered a visitor's
 * `Expect: 100-continue`, and undici refuses the header. For upgrades, `Upgrade` is kept and
 * `Connection: Upgrade` written. A `burrow_share` parameter is removed from the Referer. `loopMark` is appended as a CDN-Loop line (tunnel-loop.ts).
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  facts: ForwardedFacts,
  options: { upgrade: boolean; edits?: HeaderEdits; loopMark?: string },
): string[] {
  const listed = connectionListed(rawHeaders);
  const edits = options.edits;
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    let value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (EDGE_OWNED.has(lower) || lower === "expect") continue;
    if (HOP_BY_HOP.has(lower)) {
      if (!(options.upgrade && lower === "upgrade")) continue;
    } else if (listed?.has(lower)) {
      continue;
    }
    if (lower === "referer") {
      // The page a visitor came from may have had a share token in its URL (a browser that ignored
      // the relay's Referrer-Policy, or a link opened on another name): the app never gets it.
      value = takeShareParam(value).path;
    }
    if (edits) {
      if (edits.host !== undefined && lower === "host") value = edits.host;
      if (edits.dropAuthorization && lower === "authorization") continue;
      if (edits.dropCookies && lower === "cookie") {
        const kept = withoutCookies(value, edits.dropCookies);
        if (kept === "") continue;
        value = kept;
      }
    }
    out.push(name, value);
  }
  if (options.upgrade) out.push("Connection", "Upgrade");
  out.push(
    "X-Forwarded-For",
    facts.clientIp,
    "X-Forwarded-Proto",
    facts.proto,
    "X-Forwarded-Host",
    facts.host,
    "X-Forwarded-Port",
    String(facts.port),
    "X-Real-IP",
    facts.clientIp,
    "Forwarded",
    forwardedHeaderValue(facts),
  );
  if (options.loopMark !== undefined) out.push("CDN-Loop", options.loopMark);
  return out;
}

/**
 * Headers of the app's response as sent to the visitor: minus hop-by-hop ones (Node frames the body
 * for the visitor's own connection, chunked or not) and any listed in its Connection header.
 * `Trailer` is kept (RFC 9110 §6.6.2: it announces fields the relay passes on at the end of a
 * chunked body, proxy.ts), unless the answer has a Content-Length, which cannot carry trailers.
 * Content-Length goes last: once Node's writeHead has seen it, it re-reads a later
 * Content-Disposition's bytes as UTF-8 (nodejs/node#46528), which mangles a filename the app sent
 * in UTF-8 ("Relevé" arrives as "Relev\xe9") or throws on one in CJK.
 */
export function visitorResponseHeaders(rawHeaders: readonly string[]): string[] {
  const listed = connectionListed(rawHeaders);
  const out: string[] = [];
  let contentLength: [string, string] | undefined;
  let trailer: [string, string] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (lower === "trailer" && trailer === undefined && !listed?.has(lower))
      trailer = [name, rawHeaders[i + 1]!];
    else if (HOP_BY_HOP.has(lower) || listed?.has(lower)) continue;
    else if (lower === "content-length" && contentLength === undefined)
      contentLength = [name, rawHeaders[i + 1]!];
    else out.push(name, rawHeaders[i + 1]!);
  }
  if (contentLength) out.push(...contentLength);
  else if (trailer) out.push(...trailer);
  return out;
}

/** A Cookie header value without the named cookies ("" when none are left). */
export function withoutCookies(header: string, names: readonly string[]): string {
  return header
    .split(";")
    .filter((pair) => {
      const eq = pair.indexOf("=");
      const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
      return name !== "" && !names.includes(name);
    })
    .map((pair) => pair.trim())
    .join("; ");
}
