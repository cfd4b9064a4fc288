import type { IncomingMessage } from "node:http";
import { parseTunnelHost } from "../../lib/names/host.ts";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { type EdgePage, PAGES } from "./pages.ts";

/**
 * Where a request goes, decided from its Host header and request target alone (no I/O):
 * - `page`: the relay answers with a fixed page and logs nothing (malformed, landing, no such name).
 * - `tunnel`: a live tunnel has this name.
 * - `absent`: a possible name with no live tunnel; a reservation lookup decides 503 or 404.
 */
export type Route =
  | { kind: "page"; page: EdgePage }
  | { kind: "tunnel"; name: string; tunnel: Tunnel }
  | { kind: "absent"; name: string };

const BAD_REQUEST: Route = Object.freeze({ kind: "page", page: PAGES.badRequest });
// Said plainly: an HTTP/1.0 script or a hand-written request is the usual sender.
const MISSING_HOST: Route = Object.freeze({ kind: "page", page: PAGES.missingHost });
const TWO_HOSTS: Route = Object.freeze({ kind: "page", page: PAGES.twoHosts });
// The proxy's HTTP client (undici) sends only origin-form targets, and a server-wide question is
// not one a tunnel's app can answer for the relay.
const ASTERISK_NOT_FORWARDED: Route = Object.freeze({ kind: "page", page: PAGES.asteriskNotForwarded });
const LANDING: Route = Object.freeze({ kind: "page", page: PAGES.landing });
const NO_SUCH_TUNNEL: Route = Object.freeze({ kind: "page", page: PAGES.noSuchTunnel });

/**
 * Routes by Host. Only origin-form targets ("/path?query") are accepted (`OPTIONS *` gets 501; an
 * absolute-form one is made origin-form first by acceptAbsoluteForm, when it can be): the relay is
 * not a forward proxy, and an absolute URL naming one host under a Host header naming another
 * would let the two disagree about which tunnel a request is for. For the same reason a
 * request with two Host headers is refused (RFC 9112 §3.2 requires a 400): Node keeps the first
 * for routing, and the app might read the second.
 */
export function routeRequest(
  req: Pick<IncomingMessage, "headers" | "rawHeaders" | "url" | "method">,
  domain: string,
  registry: TunnelRegistry,
): Route {
  const target = req.url;
  if (target === "*") return req.method === "OPTIONS" ? ASTERISK_NOT_FORWARDED : BAD_REQUEST;
  if (!target?.startsWith("/")) return BAD_REQUEST;
  const hosts = hostHeaderCount(req.rawHeaders);
  if (hosts === 0) return MISSING_HOST;
  if (hosts > 1) return TWO_HOSTS;
  const parsed = parseTunnelHost(req.headers.host, domain);
  switch (parsed.kind) {
    case "malformed":
      return BAD_REQUEST;
    case "apex":
      return LANDING;
    case "not_found":
      return NO_SUCH_TUNNEL;
    case "tunnel": {
      const tunnel = registry.get(parsed.name);
      return tunnel ? { kind: "tunnel", name: parsed.name, tunnel } : { kind: "absent", name: parsed.name };
    }
  }
}

/**
 * An absolute-form target (`GET http://myapp.example.com/path`, what `curl -x` sends to try a name
 * before its DNS exists) that names the same host as the Host header is read as its origin-form
 * ("/path"), as RFC 9112 §3.2.2 asks of servers; the app gets it as any other request. One naming
 * another host, or with user info, is left as it is, and routeRequest refuses it (400).
 */
export function acceptAbsoluteForm(req: Pick<IncomingMessage, "url" | "headers">): void {
  const target = req.url;
  if (!target || target.startsWith("/")) return;
  const match = /^https?:\/\/([^/?#@]+)([^#]*)$/i.exec(target);
  const host = req.headers.host;
  if (!match || !host || match[1]!.toLowerCase() !== host.toLowerCase()) return;
  const rest = match[2]!;
  req.url = rest.startsWith("/") ? rest : `/${rest}`;
}

function hostHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") count += 1;
  }
  return count;
}
