import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  clientFromChain,
  lastListValue,
  type ProxyTrust,
  TRUST_NOBODY,
} from "../../lib/forwarding/trusted-proxies.ts";
import type { Logger } from "../../lib/logger.ts";
import { type KeepBudget, keepBodies } from "../../lib/request-logs/bodies.ts";
import type { PeerLookup } from "../proxy-protocol/proxy-header-gate.ts";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { errorText } from "../sessions/session-recorder.ts";
import { type AccessDecision, type AccessGate, AccessUnavailable } from "./access.ts";
import { type Exchange, type ExchangeWatcher, startExchange } from "./exchange.ts";
import { type ForwardedFacts, type HeaderEdits, normalizeIp } from "./headers.ts";
import { type EdgePage, PAGES } from "./pages.ts";
import type { ReservationLookup } from "./reservation-lookup.ts";
import { routeRequest } from "./route.ts";
import type { TunnelLoops } from "./tunnel-loop.ts";

/**
 * What the edge does with a request, decided before any byte goes to a tunnel. The same for normal
 * requests and upgrades; only the way the answer is written differs.
 * - `page`: one of the relay's pages, nothing logged (malformed, landing page, no such name).
 * - `offline`: 503 "Tunnel offline"; `exchange` is set (and logged) only for a reserved name, with
 *   `bodies` when the name keeps the bodies of requests it cannot forward (reservation-lookup.ts).
 * - `loop`: the request came back through its own tunnel (tunnel-loop.ts): 508 before any access
 *   check (the relay itself took the cookie or password off on its first pass); the visitor's own
 *   exchange, which gets this answer through the tunnel, logs it.
 * - `unavailable`: 503 "try again in a moment", logged: the tunnel is live but the access check
 *   failed (the database is away and the name's state was never loaded for this tunnel, or a
 *   share link could not be opened in time); `page` when the check said it better.
 * - `answer`: the access check answers itself (password form, redirect, 403…); logged.
 * - `proxy`: forward to the tunnel, with the access check's header edits.
 */
export type Dispatch =
  | { kind: "page"; page: EdgePage }
  | { kind: "offline"; exchange: Exchange | undefined }
  | { kind: "loop"; tunnel: Tunnel }
  | { kind: "unavailable"; exchange: Exchange; page?: EdgePage }
  | { kind: "answer"; exchange: Exchange; answer: Extract<AccessDecision, { action: "respond" }> }
  | {
      kind: "proxy";
      exchange: Exchange;
      tunnel: Tunnel;
      facts: ForwardedFacts;
      edits: HeaderEdits | undefined;
    };

export interface DispatcherDeps {
  domain: string;
  registry: TunnelRegistry;
  reservations: ReservationLookup;
  /**
   * The access check; with `connections` (the relay's gate), every forwarded exchange is handed to
   * it, so long-lived ones are cut when their visitor's access ends.
   */
  access: AccessGate & { readonly connections?: ExchangeWatcher };
  /** Recognises requests that came back through their own tunnel; none are looked for without it. */
  loops?: TunnelLoops;
  logger: Logger;
  /** Peers whose X-Forwarded-For/-Proto/-Port are believed (BURROW_TRUSTED_PROXIES). */
  trusts?: ProxyTrust;
  /** Clients named by a load balancer's PROXY header (BURROW_PROXY_PROTOCOL), by connection. */
  proxiedPeers?: PeerLookup;
  /** Names that keep bodies get them kept (BURROW_LOG_BODIES and the request log on); default off. */
  bodiesAllowed?: boolean;
  /** The relay's allowance of kept bytes in flight (bodies.ts), shared with replays. */
  keepBudget?: KeepBudget;
}

/** Decides a request's Dispatch; synchronous unless a lookup or the access check is not. */
export type Dispatcher = (req: IncomingMessage, upgrade: boolean) => Dispatch | Promise<Dispatch>;

const NO_SUCH_TUNNEL: Dispatch = Object.freeze({ kind: "page", page: PAGES.noSuchTunnel });
const OFFLINE_UNLOGGED: Dispatch = Object.freeze({ kind: "offline", exchange: undefined });

/**
 * Who the visitor is and how they came: what the relay saw of the connection (through a load
 * balancer's PROXY header, the client it names, as if connected directly), or, when the peer is a
 * trusted reverse proxy, what that proxy says in X-Forwarded-For/-Proto/-Port. From anyone else
 * those headers are claims and ignored (headers.ts replaces them before forwarding).
 */
export function forwardedFactsOf(
  req: IncomingMessage,
  trusts: ProxyTrust = TRUST_NOBODY,
  proxiedPeers?: PeerLookup,
): ForwardedFacts {
  const socket = req.socket as Socket & Partial<TLSSocket>;
  const peer = proxiedPeers?.(socket);
  const seen: ForwardedFacts = {
    clientIp: normalizeIp(peer?.address ?? socket.remoteAddress),
    host: req.headers.host ?? "",
    proto: socket.encrypted ? "https" : "http",
    port: peer?.localPort ?? socket.localPort ?? 0,
  };
  return trusts(seen.clientIp) ? factsFromProxy(req.headers, seen, trusts) : seen;
}

function factsFromProxy(
  headers: IncomingHttpHeaders,
  seen: ForwardedFacts,
  trusts: ProxyTrust,
): ForwardedFacts {
  const said = lastListValue(joined(headers["x-forwarded-proto"]))?.toLowerCase();
  const proto = said === "https" || said === "http" ? said : undefined;
  const portText = lastListValue(joined(headers["x-forwarded-port"]));
  const port = portText && /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  return {
    clientIp: clientFromChain(joined(headers["x-forwarded-for"]), trusts) ?? seen.clientIp,
    host: seen.host,
    proto: proto ?? seen.proto,
    // A proxy that names the scheme but not the port: the scheme's default, not the relay's own port.
    port: port > 0 && port <= 65535 ? port : proto ? (proto === "https" ? 443 : 80) : seen.port,
  };
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Builds the dispatcher: route by Host, look reservations up for names with no live tunnel, and ask
 * the access check about live ones.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { domain, registry, reservations, access, loops, logger, trusts = TRUST_NOBODY, proxiedPeers } = deps;
  const bodiesAllowed = deps.bodiesAllowed ?? false;
  const connections = access.connections ?? null;

  return (req, upgrade) => {
    const route = routeRequest(req, domain, registry);
    if (route.kind === "page") return { kind: "page", page: route.page };
    if (route.kind === "tunnel" && loops?.cameBack(route.tunnel, req.rawHeaders)) {
      return { kind: "loop", tunnel: route.tunnel };
    }
    const facts = forwardedFactsOf(req, trusts, proxiedPeers);
    const exchange = startExchange({
      name: route.name,
      tunnel: route.kind === "tunnel" ? route.tunnel : undefined,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      clientIp: facts.clientIp,
      userAgent: req.headers["user-agent"],
      requestHeaders: req.rawHeaders,
      upgrade,
      visitorSocket: req.socket,
    });
    if (route.kind === "absent") {
      // An unreachable database answers "offline": the honest answer for a name that may well
      // exist. Only names known to be reserved get a log row (the row is about someone's tunnel).
      return reservations.lookup(route.name).then(async ({ state, keepsBodies }): Promise<Dispatch> => {
        if (state === "unknown") return NO_SUCH_TUNNEL;
        if (state !== "reserved") return OFFLINE_UNLOGGED;
        // Upgrades too: a visitor from a network the name does not allow gets its 403 first.
        const answer = await access.offline?.({
          name: route.name,
          method: exchange.method,
          path: exchange.path,
          proto: facts.proto,
          headers: req.headers,
          clientIp: facts.clientIp,
        });
        if (answer?.action === "respond" && (!upgrade || answer.page === "address_not_allowed")) {
          exchange.admission = answer.admission;
          exchange.accessPage = answer.page;
          if (answer.path !== undefined) exchange.path = answer.path;
          return { kind: "answer", exchange, answer };
        }
        // Kept so that the owner can send it on once the tunnel is back (a webhook missed).
        if (keepsBodies && bodiesAllowed && !upgrade) exchange.bodies = keepBodies(deps.keepBudget);
        return { kind: "offline", exchange };
      });
    }

    const tunnel = route.tunnel;
    const toDispatch = (decision: AccessDecision): Dispatch => {
      exchange.admission = decision.admission;
      exchange.shareLinkId = decision.shareLinkId ?? null;
      // The path as forwarded, or as the check cleaned it: a share token never reaches the log.
      if (decision.path !== undefined) exchange.path = decision.path;
      if (decision.action === "respond") {
        exchange.accessPage = decision.page;
        return { kind: "answer", exchange, answer: decision };
      }
      // An upgrade keeps the start of what each side sent after the handshake (WebSocket frames).
      if (decision.keepBodies && bodiesAllowed) exchange.bodies = keepBodies(deps.keepBudget);
      exchange.watcher = connections;
      return { kind: "proxy", exchange, tunnel, facts, edits: decision.edits };
    };
    const decided = access.check({
      name: route.name,
      tunnel,
      method: exchange.method,
      path: exchange.path,
      headers: req.headers,
      clientIp: facts.clientIp,
      proto: facts.proto,
      upgrade,
      // Upgrade requests have no body the gate could read (the socket carries the new protocol).
      body: upgrade ? undefined : req,
    });
    if (!(decided instanceof Promise)) return toDispatch(decided);
    return decided.then(toDispatch, (error: unknown) => {
      // One line: a Prisma error's message spans lines and quotes the calling source.
      logger.error("access check failed, answered 503", { name: route.name, error: errorText(error) });
      // Not let in (the name may have a password): the row must not read as a public visit.
      exchange.admission = "DENIED";
      if (!(error instanceof AccessUnavailable)) return { kind: "unavailable", exchange };
      if (error.path !== undefined) exchange.path = error.path;
      return { kind: "unavailable", exchange, ...(error.page ? { page: error.page } : {}) };
    });
  };
}
