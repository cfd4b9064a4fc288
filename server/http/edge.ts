import http from "node:http";
import http2, { type Http2SecureServer } from "node:http2";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Db } from "../../lib/db.ts";
import { type Env, publicEndpoint, publicHttpsPort } from "../../lib/env.ts";
import { proxyTrust } from "../../lib/forwarding/trusted-proxies.ts";
import type { Logger } from "../../lib/logger.ts";
import { KeepBudget } from "../../lib/request-logs/bodies.ts";
import type { ReplayRequest } from "../../lib/request-logs/replay.ts";
import { createLogPool, prismaSqlRunner } from "../log-database.ts";
import { LogSpool } from "../log-spool.ts";
import { createLogWriter, type LogWriter } from "../log-writer.ts";
import { type PeerLookup, ProxyHeaderGate } from "../proxy-protocol/proxy-header-gate.ts";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { errorText } from "../sessions/session-recorder.ts";
import { type AccessDecision, type AccessGate, publicAccess } from "./access.ts";
import type { AcmeCertificates } from "./acme/acme-certificates.ts";
import { createDispatcher, type Dispatch, forwardedFactsOf } from "./dispatch.ts";
import {
  answeredByRelay,
  type Exchange,
  ExchangeRecorder,
  heldStreamEnded,
  OPEN_PROGRESS_MS,
  servedAfterHold,
} from "./exchange.ts";
import { HostRefusalNotices } from "./host-refusal.ts";
import { asHttp1Exchange, Http2Sessions, http2ServerOptions, isHttp2 } from "./http2-visitors.ts";
import { httpsRedirectLocation } from "./https-redirect.ts";
import { LocalAddresses } from "./local-address.ts";
import { readOfflineBody } from "./offline-body.ts";
import { isOnlineWait, type OnlineWaitOptions, OnlineWaits } from "./online-wait.ts";
import { OwnerNotices } from "./owner-notices.ts";
import { clientErrorResponse, HEADERS_TOO_LARGE_PAGE, PAGES, tunnelOfflinePage } from "./pages.ts";
import { proxyRequest, sendPage } from "./proxy.ts";
import { replayRequest } from "./replay.ts";
import { isRequestHeadTooLarge, type RequestHeadLimits, requestHeadSize } from "./request-head-size.ts";
import { ReservationLookup } from "./reservation-lookup.ts";
import { acceptAbsoluteForm, routeRequest } from "./route.ts";
import { loadCertificate, logCertificate, watchCertificate } from "./tls-certificate.ts";
import { TunnelLoops } from "./tunnel-loop.ts";
import { type PoolLimits, poolLimitsFor, TunnelPools } from "./tunnel-pools.ts";
import { proxyUpgrade, sendRawPage } from "./upgrade.ts";
import { CLOSE_GOING_AWAY } from "./websocket-goodbye.ts";

export interface HttpEdgeDeps {
  registry: TunnelRegistry;
  db: Db;
  config: Env;
  logger: Logger;
  /**
   * Where request log rows go. When omitted and BURROW_REQUEST_LOG is on, the edge makes its own
   * (and closes it in close()); when BURROW_REQUEST_LOG is off, nothing is logged either way.
   */
  logWriter?: LogWriter;
  /**
   * Connection string for the edge's own request log pool (log-database.ts); defaults to
   * config.DATABASE_URL. Without either, an edge-made writer goes through `db`.
   */
  databaseUrl?: string;
  /**
   * File for an edge-made writer's rows while the database is unreachable (log-spool.ts), so none
   * are lost to a stop or crash during an outage; memory only when omitted.
   */
  logSpoolFile?: string;
  /** Who may reach a tunnel; every tunnel is public when omitted. */
  access?: AccessGate;
  /**
   * Certificates from an ACME server (BURROW_ACME_EMAIL) in place of BURROW_TLS_CERT/KEY: the edge
   * loads them in listen(), serves them by SNI, answers their HTTP-01 challenges on the plain-HTTP
   * port and closes them in close().
   */
  certificates?: AcmeCertificates;
  /** How long close() waits for in-flight requests before cutting them (default 10 s). */
  drainTimeoutMs?: number;
  /** How long a visitor may take to send a request's headers (default 15 s; tests shorten it). */
  headersTimeoutMs?: number;
  /**
   * How long an idle visitor connection stays open, HTTP/1.1 keep-alive or HTTP/2 (default 60 s;
   * tests shorten it).
   */
  keepAliveTimeoutMs?: number;
  /** How often the TLS certificate files are checked for a renewal (default 60 s; tests shorten it). */
  certificateCheckMs?: number;
  /** Channels per tunnel and how long a request waits for one (tunnel-pools.ts; tests shrink them). */
  poolLimits?: PoolLimits;
  /** How long a replay's answer is read (default REPLAY_READ_MS; tests shorten it). */
  replayReadMs?: number;
  /** Kept body bytes held at once for exchanges under way (default KEPT_IN_FLIGHT_MAX; tests shrink it). */
  keptInFlightMax?: number;
  /** How often open connections' rows are brought up to date (default OPEN_PROGRESS_MS; tests shorten it). */
  openProgressMs?: number;
  /**
   * After how long an ordinary request still unanswered, or whose response is still being sent, is
   * written open (default BURROW_LOG_WAITING_AFTER_SECONDS; tests shorten it below a second).
   */
  longResponseMs?: number;
  /** How long and how many offline pages' waits are held (online-wait.ts; tests shrink them). */
  onlineWaits?: OnlineWaitOptions;
}

export interface HttpEdge {
  /** Binds BURROW_LISTEN_HOST:BURROW_HTTP_PORT (0 = ephemeral) and, with TLS configured, BURROW_HTTPS_PORT. */
  listen(): Promise<{ httpPort: number; httpsPort?: number }>;
  /**
   * Stops accepting connections, answers requests that still arrive on open connections with 503,
   * waits for in-flight requests up to the drain timeout, then closes everything (upgraded
   * connections and pooled channels included). Safe to call twice.
   */
  close(): Promise<void>;
  /** The edge's request log writer, if logging is on (for the relay's heartbeat counters). */
  readonly logWriter: LogWriter | undefined;
  /** Forgets what the edge cached about a name (its reservation), e.g. after the dashboard changed it. */
  invalidate(name: string): void;
  /**
   * Sends a logged request to its tunnel's app again and logs the answer (replay.ts). Resolves when
   * the answer is in; while the edge is closing, does nothing.
   */
  replay(request: ReplayRequest): Promise<void>;
  /** Writes the time, bytes and kept messages so far of an open WebSocket or event stream's row. */
  checkpoint(streamKey: string): void;
  /** The owner deleted this name's kept bodies: what the exchanges under way kept goes too. */
  bodiesDeleted(name: string): void;
  /** The owner turned this name's Keep bodies off: its open connections keep nothing more. */
  keepingStopped(name: string): void;
}

/** Headers must arrive within this time (slowloris guard); bodies and upgraded sockets have no limit. */
const HEADERS_TIMEOUT_MS = 15_000;
/** Requests with more header bytes than this get 431. */
const MAX_HEADER_BYTES = 16 * 1024;
/**
 * Requests with more header fields than this get 431 too: Node's HTTP/1.1 default, which kept the
 * first 1,000 and dropped the rest unseen (an app missing a header it was sent, and no word why).
 */
const MAX_HEADER_FIELDS = 1000;
/** Both, by HTTP/1.1's count over either protocol (request-head-size.ts). */
const HEAD_LIMITS: RequestHeadLimits = { maxBytes: MAX_HEADER_BYTES, maxFields: MAX_HEADER_FIELDS };
/** An idle visitor keep-alive connection is closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/** The edge's servers: plain HTTP, and HTTPS speaking HTTP/2 and HTTP/1.1 (http2-visitors.ts). */
type EdgeServer = http.Server | Http2SecureServer;

/** Where a response in flight keeps its exchange, for the shutdown's cut (see answering). */
const EXCHANGE = Symbol("exchange");
type AnsweredResponse = http.ServerResponse & { [EXCHANGE]?: Exchange };

/**
 * The relay's public HTTP(S) front: routes `<name>.<domain>` to the named tunnel and proxies
 * requests and WebSocket upgrades through it, answering with its own pages when it cannot.
 * Build with this, then `listen()`; tests drive the real thing on port 0.
 */
export function createHttpEdge(deps: HttpEdgeDeps): HttpEdge {
  const { registry, config, logger } = deps;
  const ownsLogWriter = config.BURROW_REQUEST_LOG && !deps.logWriter;
  const logDatabaseUrl = deps.databaseUrl ?? config.DATABASE_URL;
  const logPool = ownsLogWriter && logDatabaseUrl ? createLogPool(logDatabaseUrl) : undefined;
  const logLogger = logger.child({ part: "log" });
  const logWriter = !config.BURROW_REQUEST_LOG
    ? undefined
    : (deps.logWriter ??
      createLogWriter({
        sql: logPool ?? prismaSqlRunner(deps.db),
        maxQueue: config.BURROW_LOG_QUEUE_MAX,
        logger: logLogger,
        spool: deps.logSpoolFile ? new LogSpool(deps.logSpoolFile, logLogger) : undefined,
      }));
  const pools = new TunnelPools(
    registry,
    deps.poolLimits ?? poolLimitsFor(config.BURROW_MAX_APP_CONNECTIONS),
    logger,
  );
  const reservations = new ReservationLookup(deps.db, { randomNameHours: config.BURROW_RANDOM_NAME_HOURS });
  const trusts = proxyTrust(config.BURROW_TRUSTED_PROXIES);
  /** Named in the start-up log line, so an operator sees which proxies are believed. */
  const proxies = {
    ...(config.BURROW_TRUSTED_PROXIES.length > 0 && {
      trustedProxies: config.BURROW_TRUSTED_PROXIES.join(","),
    }),
    ...(config.BURROW_PROXY_PROTOCOL.length > 0 && { proxyProtocol: config.BURROW_PROXY_PROTOCOL.join(",") }),
  };
  /** BURROW_PROXY_PROTOCOL: a gate for each visitor listener a TCP load balancer sits in front of. */
  const proxyHeaders = {
    http: proxyHeaderGate("http"),
    https: proxyHeaderGate("https"),
  };
  const proxiedPeers: PeerLookup = (socket) =>
    proxyHeaders.http?.peerOf(socket) ?? proxyHeaders.https?.peerOf(socket);
  // Nothing to keep them for without a log; and the server's operator may rule them out.
  const bodiesAllowed = logWriter !== undefined && config.BURROW_LOG_BODIES;
  const keepBudget = new KeepBudget(deps.keptInFlightMax);
  // What the relay tells an owner about their app also goes on the tunnel page (the session's row).
  // One write after the other per tunnel: a notice and its removal a moment later must not land
  // the other way round.
  const noticeWrites = new WeakMap<Tunnel, Promise<void>>();
  const recordNotice = (tunnel: Tunnel, notice: string | null): void => {
    const write = (noticeWrites.get(tunnel) ?? Promise.resolve())
      .then(() => deps.db.tunnelSession.updateMany({ where: { id: tunnel.sessionId }, data: { notice } }))
      .then(
        () => undefined,
        (error: unknown) =>
          logger.warn("tunnel notice not saved", { name: tunnel.name, error: errorText(error) }),
      );
    noticeWrites.set(tunnel, write);
  };
  const notices = new OwnerNotices(recordNotice);
  /** The ports listen() bound (a configured 0 is a port picked by the system). */
  let boundPorts: number[] = [];
  const loops = new TunnelLoops(notices, () => boundPorts);
  const access = deps.access ?? publicAccess;
  const dispatcher = createDispatcher({
    domain: config.BURROW_DOMAIN,
    registry,
    reservations,
    access,
    loops,
    logger,
    trusts,
    proxiedPeers,
    bodiesAllowed,
    keepBudget,
  });
  const recorder = new ExchangeRecorder(logWriter, { logHeaders: config.BURROW_LOG_HEADERS });
  const hostRefusals = new HostRefusalNotices(config, notices);
  const localAddresses = new LocalAddresses(config.BURROW_DOMAIN, notices);
  const proxyDeps = { registry, pools, recorder, hostRefusals, notices, loops, localAddresses };
  const progressTimer = setInterval(() => recorder.progress(), deps.openProgressMs ?? OPEN_PROGRESS_MS);
  progressTimer.unref();
  // An ordinary request still unanswered (a hung endpoint, a long poll), or whose response is still
  // being sent (a big download, a slow app streaming a page), this long after it arrived is written
  // open like an event stream, so the log shows it while it lasts instead of only once it ends.
  const longResponseMs = deps.longResponseMs ?? config.BURROW_LOG_WAITING_AFTER_SECONDS * 1000;
  // Looked at five times as often: a request the app holds is in the log 10-12 s after it came (by
  // default).
  const longResponseTimer = setInterval(() => recorder.openLongResponses(longResponseMs), longResponseMs / 5);
  longResponseTimer.unref();
  /** Upgrade requests' sockets, each with its exchange once it is proxied (for the goodbye). */
  const upgraded = new Map<Duplex, Exchange | undefined>();
  const servers: EdgeServer[] = [];
  const http2Sessions = new Http2Sessions({
    idleMs: deps.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS,
    firstRequestMs: deps.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
  });
  /** Listeners that read PROXY headers before handing connections to a server in `servers`. */
  const fronts: NetServer[] = [];
  /** Visitor sockets with a request being answered: a client error there must not write a response. */
  const busy = new WeakSet<Socket>();
  let inFlight = 0;
  let draining = false;
  /** close() gave up waiting and is cutting the responses still going (the drain timeout passed). */
  let cutting = false;
  let closing: Promise<void> | undefined;
  const drained: Array<() => void> = [];
  /**
   * Requests in flight (their exchange under EXCHANGE once dispatched): those unanswered at the cut
   * get a page. Slots, not a Set or WeakMap, for the reason ExchangeRecorder's #responding gives:
   * a collection every request joins and leaves makes V8 promote memory per request.
   */
  const answering: (AnsweredResponse | undefined)[] = [];
  const freeSlots: number[] = [];
  let stopCertificateWatch: (() => void) | undefined;

  const onlineWaits = new OnlineWaits(registry, deps.onlineWaits);

  function onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    asHttp1Exchange(req, res);
    if (isHeadTooLarge(req)) {
      refuseLargeHead(req, res);
      return;
    }
    const socket = req.socket;
    busy.add(socket);
    inFlight += 1;
    const slot = freeSlots.pop() ?? answering.length;
    answering[slot] = res;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      socket.off("close", finished);
      busy.delete(socket);
      answering[slot] = undefined;
      freeSlots.push(slot);
      inFlight -= 1;
      if (inFlight === 0) for (const resolve of drained.splice(0)) resolve();
    };
    res.once("close", finished);
    // A pipelined request's response waits for the socket (res.socket unset) until the one before
    // it is done, and gets no 'close' of its own if the visitor leaves first: it would count as in
    // flight forever (and hold up the relay's stop).
    if (!res.socket) socket.once("close", finished);
    if (draining) {
      res.shouldKeepAlive = false;
      sendPage(res, PAGES.draining);
      return;
    }
    acceptAbsoluteForm(req);
    if (isOnlineWait(req)) {
      const route = routeRequest(req, config.BURROW_DOMAIN, registry);
      if (route.kind === "absent" || route.kind === "tunnel") {
        answerWait(req, res, route.name, route.kind === "tunnel" ? route.tunnel : undefined);
        return;
      }
    }
    const dispatch = dispatcher(req, false);
    if (dispatch instanceof Promise) void dispatch.then((d) => answerRequest(req, res, d));
    else answerRequest(req, res, dispatch);
  }

  /**
   * The offline page's wait (online-wait.ts), after the name's networks: a visitor from another
   * gets the 403 they get for any request, not whether the tunnel is up (not logged either).
   */
  function answerWait(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    name: string,
    tunnel: Tunnel | undefined,
  ): void {
    const clientIp = forwardedFactsOf(req, trusts, proxiedPeers).clientIp;
    const go = (refusal: AccessDecision | undefined) => {
      if (res.destroyed) return;
      if (refusal?.action !== "respond") {
        onlineWaits.answer(name, res);
        return;
      }
      res.writeHead(refusal.status, refusal.headers);
      res.end(refusal.body);
    };
    const screened = access.screen?.({ name, tunnel, clientIp, path: req.url ?? "/" });
    if (screened instanceof Promise) void screened.then(go, () => go(undefined));
    else go(screened);
  }

  /**
   * The plain-HTTP server's requests when the relay serves HTTPS too: visitors to a tunnel are sent
   * to its https address (308 keeps the method and body), so a password typed on Burrow's page or
   * the app's own never crosses the network in clear text. Other hosts get the usual answers.
   */
  function redirectingToHttps(httpsPort: number) {
    return (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (isHeadTooLarge(req)) {
        refuseLargeHead(req, res);
        return;
      }
      acceptAbsoluteForm(req);
      // A trusted proxy that took the request over HTTPS itself: redirecting again would loop. So
      // would a request that came back through its own tunnel: the visitor would be sent round
      // until their browser gives up, and the owner never told (tunnel-loop.ts answers it).
      const location =
        forwardedFactsOf(req, trusts, proxiedPeers).proto === "https" || cameBackThroughTunnel(req)
          ? null
          : httpsRedirectLocation(req.headers.host, req.url, config.BURROW_DOMAIN, httpsPort);
      if (location === null) {
        onRequest(req, res);
        return;
      }
      // The body of an `Expect: 100-continue` request is never sent here: the connection closes.
      if (expectsContinue(req)) res.shouldKeepAlive = false;
      res.writeHead(308, { location, "content-length": "0", "cache-control": "no-store" });
      res.end();
    };
  }

  function cameBackThroughTunnel(req: http.IncomingMessage): boolean {
    const route = routeRequest(req, config.BURROW_DOMAIN, registry);
    return route.kind === "tunnel" && loops.cameBack(route.tunnel, req.rawHeaders);
  }

  /**
   * An event stream (a browser's EventSource) to a name whose tunnel is down: held until the tunnel
   * is back (online-wait.ts, with the offline page's waits: as long and counted in the same cap),
   * then dispatched again, access check and all, and proxied. Still down when the wait runs out,
   * too many waiting, or the relay closing: the connection is dropped without an answer. After a
   * network error an EventSource reconnects by itself, while any answer but a 200 stream (the 503
   * offline page) ends it for good: a drop of a few seconds lost the app's live view until a
   * reload. Logged once it ends, one row: dropped (heldStreamEnded), or served from its arrival.
   */
  function holdStream(req: http.IncomingMessage, res: http.ServerResponse, held: Exchange | undefined): void {
    const route = routeRequest(req, config.BURROW_DOMAIN, registry);
    if (route.kind === "page") {
      res.destroy();
      return;
    }
    const ended = (how: "dropped" | "left" | "shutdown") =>
      held && recorder.finish(heldStreamEnded(held, how));
    onlineWaits.hold(
      route.name,
      res,
      (state) => {
        if (state !== "online" || draining) {
          ended(draining ? "shutdown" : "dropped");
          res.destroy();
          return;
        }
        const dispatch = dispatcher(req, false);
        if (dispatch instanceof Promise)
          void dispatch.then((d) => answerRequest(req, res, servedAfterHold(d, held), true));
        else answerRequest(req, res, servedAfterHold(dispatch, held), true);
      },
      () => ended("left"),
    );
  }

  function answerRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    dispatch: Dispatch,
    waited = false,
  ): void {
    if (dispatch.kind === "offline" && !waited && isEventStream(req)) {
      holdStream(req, res, dispatch.exchange);
      return;
    }
    // `Expect: 100-continue` (curl's uploads over 1 MB): "send your body" only once the request goes
    // to the app. Anything the relay answers itself (a password page, an offline name) goes out at
    // once, and the connection closes, since the body it refused is never sent.
    const waitsToSend = expectsContinue(req);
    if (waitsToSend) {
      if (dispatch.kind === "proxy") res.writeContinue();
      else res.shouldKeepAlive = false;
    }
    if (dispatch.kind === "page") {
      sendPage(res, dispatch.page);
      return;
    }
    if (dispatch.kind === "loop") {
      loops.tell(dispatch.tunnel);
      sendPage(res, loops.page(dispatch.tunnel));
      return;
    }
    const exchange = dispatch.exchange;
    if (exchange) {
      (res as AnsweredResponse)[EXCHANGE] = exchange;
      recorder.keeping(exchange);
      // A lookup or an asynchronous access check may finish after the visitor left, when its
      // 'close' has already fired.
      if (res.destroyed) {
        exchange.error ??= "client_aborted";
        recorder.finish(exchange);
        return;
      }
      // Registered before the proxy's own 'close' listener, which would call the cut a visitor
      // going away: an event stream still open at shutdown was ended by the relay, not its visitor
      // (nor its app, whose channel the relay closes at the same time).
      res.once("close", () => {
        const cut = exchange.error === null || exchange.error === "upstream_aborted";
        if (cutting && cut && !res.writableFinished) exchange.error = "relay_shutdown";
      });
      if (dispatch.kind !== "proxy") res.once("close", () => recorder.finish(exchange));
    }
    switch (dispatch.kind) {
      case "offline": {
        const page = tunnelOfflinePage(req.method);
        if (exchange) {
          answeredByRelay(exchange, page);
          exchange.error = "tunnel_offline";
        }
        if (exchange?.bodies && !waitsToSend) {
          readOfflineBody(req, exchange, exchange.bodies.request, () => sendPage(res, page));
          return;
        }
        sendPage(res, page);
        return;
      }
      case "unavailable": {
        const page = dispatch.page ?? PAGES.accessUnavailable;
        answeredByRelay(dispatch.exchange, page);
        dispatch.exchange.error = "access_unavailable";
        sendPage(res, page);
        return;
      }
      case "answer":
        answeredByRelay(dispatch.exchange, dispatch.answer);
        res.writeHead(dispatch.answer.status, dispatch.answer.headers);
        res.end(dispatch.answer.body);
        return;
      case "proxy":
        proxyRequest(proxyDeps, req, res, dispatch.exchange, dispatch.tunnel, dispatch.facts, dispatch.edits);
    }
  }

  function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node hands the socket over without its own error handler: a reset must not crash the relay.
    socket.on("error", () => socket.destroy());
    if (isHeadTooLarge(req)) {
      socket.end(clientErrorResponse(431));
      socket.destroy();
      return;
    }
    acceptAbsoluteForm(req);
    // Tracked from the start (not only once upgraded): shutdown must not wait on a handshake.
    upgraded.set(socket, undefined);
    socket.once("close", () => upgraded.delete(socket));
    const tcp = socket as Socket;
    tcp.setNoDelay?.(true);
    tcp.setTimeout?.(0);
    if (draining) {
      sendRawPage(socket, PAGES.draining);
      return;
    }
    const dispatch = dispatcher(req, true);
    if (dispatch instanceof Promise) void dispatch.then((d) => answerUpgrade(req, socket, head, d));
    else answerUpgrade(req, socket, head, dispatch);
  }

  function answerUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, dispatch: Dispatch): void {
    if (dispatch.kind !== "page" && dispatch.kind !== "loop" && dispatch.exchange) {
      recorder.keeping(dispatch.exchange);
    }
    switch (dispatch.kind) {
      case "page":
        sendRawPage(socket, dispatch.page);
        return;
      case "offline":
        if (dispatch.exchange) {
          answeredByRelay(dispatch.exchange, PAGES.tunnelOffline);
          dispatch.exchange.error = "tunnel_offline";
          recorder.finish(dispatch.exchange);
        }
        sendRawPage(socket, PAGES.tunnelOffline);
        return;
      case "loop":
        loops.tell(dispatch.tunnel);
        sendRawPage(socket, loops.page(dispatch.tunnel));
        return;
      case "unavailable": {
        const page = dispatch.page ?? PAGES.accessUnavailable;
        answeredByRelay(dispatch.exchange, page);
        dispatch.exchange.error = "access_unavailable";
        recorder.finish(dispatch.exchange);
        sendRawPage(socket, page);
        return;
      }
      case "answer":
        answeredByRelay(dispatch.exchange, dispatch.answer);
        recorder.finish(dispatch.exchange);
        sendRawPage(socket, dispatch.answer);
        return;
      case "proxy":
        if (upgraded.has(socket)) upgraded.set(socket, dispatch.exchange);
        void proxyUpgrade(
          proxyDeps,
          req,
          socket,
          head,
          dispatch.exchange,
          dispatch.tunnel,
          dispatch.facts,
          dispatch.edits,
        );
    }
  }

  /**
   * Whether a request's head is past HEAD_LIMITS. Node's HTTP/1.1 parser refuses one with too many
   * bytes itself (onClientError); one with too many fields, and any HTTP/2 one, whose list Node
   * takes up to a higher ceiling (http2-visitors.ts), reach the edge and are weighed here, before
   * anything else is done with them. Called with the request as asHttp1Exchange left it.
   */
  function isHeadTooLarge(req: http.IncomingMessage): boolean {
    // Over HTTP/1.1 the parser has already weighed the bytes (RequestHeadSize.bytes), so only the
    // fields are left to count: summing every header again on each request would be work done twice.
    const size = isHttp2(req)
      ? requestHeadSize(req.url ?? "", req.rawHeaders)
      : { fields: req.rawHeaders.length / 2 };
    return isRequestHeadTooLarge(size, HEAD_LIMITS);
  }

  /**
   * Answers a head past the limits as Node's parser answers one over HTTP/1.1 (onClientError): the
   * 431 page, with no tunnel looked up and nothing logged. Over HTTP/1.1 the connection closes
   * after it, as there; over HTTP/2 only this stream ends (a body still coming is refused with
   * RST_STREAM NO_ERROR once the page is out, asHttp1Exchange), the connection's others go on.
   */
  function refuseLargeHead(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!isHttp2(req)) res.shouldKeepAlive = false;
    sendPage(res, HEADERS_TOO_LARGE_PAGE);
  }

  function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    // Mid-response (pipelining) or already gone: writing a response here would corrupt the stream.
    if (error.code === "ECONNRESET" || !socket.writable || busy.has(socket as Socket)) {
      socket.destroy();
      return;
    }
    const status =
      error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(clientErrorResponse(status));
    socket.destroy();
  }

  function configure<S extends EdgeServer>(server: S, onServerRequest: http.RequestListener = onRequest): S {
    // No total request time limit and no socket idle timeout: uploads, long polls and quiet
    // WebSockets may last as long as they like. Only the headers have a deadline (slowloris).
    // The HTTPS server's HTTP/1.1 connections are served by Node's HTTP/1.1 server code, which
    // reads these from the server it is given, the HTTP/2 one too.
    const http1 = server as unknown as Http1Settings;
    http1.requestTimeout = 0;
    http1.timeout = 0;
    http1.headersTimeout = deps.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
    http1.keepAliveTimeout = deps.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS;
    http1.connectionsCheckingInterval = serverOptions.connectionsCheckingInterval ?? 1_000;
    http1.maxHeaderSize = MAX_HEADER_BYTES;
    // One past the limit: a request with more fields arrives with more than MAX_HEADER_FIELDS of
    // them, and is refused (isHeadTooLarge) rather than cut short without a word.
    http1.maxHeadersCount = MAX_HEADER_FIELDS + 1;
    server.on("request", onServerRequest);
    // Instead of Node's automatic 100 Continue: answerRequest decides (see there).
    server.on("checkContinue", onServerRequest);
    server.on("upgrade", onUpgrade);
    server.on("clientError", onClientError);
    // Node closes a CONNECT request's connection without a word when nothing listens for it.
    server.on("connect", (req: http.IncomingMessage, socketOrResponse: Duplex | http.ServerResponse) => {
      // Over HTTP/2 a CONNECT is a request like any other, answered the same way, and adapted
      // first as every request is: else the page's reason phrase makes Node print a warning.
      if (isHttp2(req)) {
        const res = socketOrResponse as http.ServerResponse;
        asHttp1Exchange(req, res);
        sendPage(res, isHeadTooLarge(req) ? HEADERS_TOO_LARGE_PAGE : PAGES.notAProxy);
        return;
      }
      const socket = socketOrResponse as Duplex;
      socket.on("error", () => socket.destroy());
      sendRawPage(socket, PAGES.notAProxy);
    });
    server.on("connection", (socket: Socket) => socket.setNoDelay(true));
    // For TLS, 'connection' sees the raw TCP socket; this sees the TLS one.
    server.on("secureConnection", (socket: TLSSocket) => socket.setNoDelay(true));
    server.on("session", http2Sessions.track);
    server.on("secureConnection", http2Sessions.trackSocket);
    servers.push(server);
    return server;
  }

  const serverOptions: http.ServerOptions = {
    maxHeaderSize: MAX_HEADER_BYTES,
    // Our own 400 page for a missing Host, instead of Node's bare one.
    requireHostHeader: false,
    // Check header deadlines every second (Node's default is 30 s, which makes the guard lax).
    connectionsCheckingInterval: 1_000,
    keepAlive: true,
    keepAliveInitialDelay: 30_000,
    noDelay: true,
  };

  function proxyHeaderGate(listener: "http" | "https"): ProxyHeaderGate | undefined {
    if (!config.BURROW_PROXY_PROTOCOL.includes(listener)) return undefined;
    return new ProxyHeaderGate({ trusts, logger, listener });
  }

  /**
   * Listens for `server`: itself, or, behind a gate, through a plain TCP listener that reads a load
   * balancer's PROXY header first and then gives the connection to the server as if it had accepted
   * it (Node's documented way to inject a connection).
   */
  async function bind(server: EdgeServer, port: number, gate?: ProxyHeaderGate): Promise<number> {
    const listener: NetServer = gate
      ? createNetServer(
          { noDelay: true, keepAlive: true, keepAliveInitialDelay: serverOptions.keepAliveInitialDelay },
          (socket) => gate.accept(socket, () => server.emit("connection", socket)),
        )
      : server;
    if (gate) fronts.push(listener);
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen(port, config.BURROW_LISTEN_HOST, () => {
        listener.off("error", reject);
        resolve();
      });
    });
    return (listener.address() as AddressInfo).port;
  }

  return {
    logWriter,

    invalidate(name) {
      reservations.invalidate(name);
    },

    checkpoint(streamKey) {
      recorder.checkpoint(streamKey);
    },

    bodiesDeleted(name) {
      recorder.bodiesDeleted(name);
    },

    keepingStopped(name) {
      recorder.keepingStopped(name);
    },

    async replay(request) {
      if (draining) return;
      // Read when the replay is sent: listen() has put the real ports in place of 0s by then.
      const { proto, port } = publicEndpoint(config);
      await replayRequest(
        {
          registry,
          pools,
          recorder,
          loops,
          bodiesAllowed,
          keepBudget,
          publicProto: proto,
          publicPort: port,
          readMs: deps.replayReadMs,
        },
        request,
      );
    },

    async listen() {
      const { certificates } = deps;
      const certificateFiles =
        config.BURROW_TLS_CERT && config.BURROW_TLS_KEY
          ? { cert: config.BURROW_TLS_CERT, key: config.BURROW_TLS_KEY }
          : undefined;
      if (config.BURROW_HTTPS_PORT === undefined || (!certificateFiles && !certificates)) {
        const httpPort = await bind(
          configure(http.createServer(serverOptions)),
          config.BURROW_HTTP_PORT,
          proxyHeaders.http,
        );
        logger.info("http edge listening", { host: config.BURROW_LISTEN_HOST, port: httpPort, ...proxies });
        boundPorts = [httpPort];
        return { httpPort };
      }
      // Certificate files: one pair for every name, checked now. ACME: none until a handshake
      // names a host (SNICallback); one with no SNI, or a host that gets none, is refused.
      const pair = certificateFiles ? await loadCertificate(certificateFiles) : undefined;
      if (!pair) await certificates?.load();
      // HTTP/2 for browsers that offer it (ALPN), HTTP/1.1 for the others and for WebSockets.
      const httpsServer = configure(
        http2.createSecureServer({
          allowHTTP1: true,
          ...http2ServerOptions(),
          ...(pair ?? { SNICallback: certificates?.SNICallback }),
          // A connection that never finishes its TLS handshake is held as long as one that never
          // sends its headers (Node's default is 120 s): the slowloris guard, one step earlier.
          handshakeTimeout: deps.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
        }),
      );
      const httpsPort = await bind(httpsServer, config.BURROW_HTTPS_PORT, proxyHeaders.https);
      if (pair && certificateFiles) {
        logCertificate(logger, "TLS certificate loaded", pair.cert, config.BURROW_DOMAIN);
        stopCertificateWatch = watchCertificate({
          server: httpsServer,
          files: certificateFiles,
          served: pair.cert,
          logger,
          domain: config.BURROW_DOMAIN,
          intervalMs: deps.certificateCheckMs,
        });
      }
      const visitors = config.BURROW_HTTPS_REDIRECT
        ? redirectingToHttps(publicHttpsPort(config) ?? httpsPort)
        : onRequest;
      // The ACME server's challenge requests come over plain HTTP (port 80) and must get the
      // token itself: not a redirect to https (which has no certificate yet), not a tunnel's app,
      // not a password page.
      const httpServer = configure(
        http.createServer(serverOptions),
        certificates
          ? (req, res) => {
              if (!certificates.answerChallenge(req, res)) visitors(req, res);
            }
          : visitors,
      );
      const httpPort = await bind(httpServer, config.BURROW_HTTP_PORT, proxyHeaders.http);
      boundPorts = [httpPort, httpsPort];
      logger.info("http edge listening", {
        host: config.BURROW_LISTEN_HOST,
        port: httpPort,
        httpsPort,
        redirectsToHttps: config.BURROW_HTTPS_REDIRECT,
        ...proxies,
      });
      return { httpPort, httpsPort };
    },

    close() {
      closing ??= (async () => {
        draining = true;
        // Held for up to 25 s each: answered now, so they do not hold the drain up.
        onlineWaits.close();
        clearInterval(progressTimer);
        clearInterval(longResponseTimer);
        stopCertificateWatch?.();
        await deps.certificates?.close();
        // server.close() stops accepting and closes idle keep-alive connections; busy ones get
        // their current response (or a 503 for a new request) with Connection: close.
        const closed = [...servers, ...fronts].map(
          (server) => new Promise<void>((resolve) => server.close(() => resolve())),
        );
        // HTTP/2 connections take no new requests (GOAWAY); those under way go on.
        http2Sessions.closeAll();
        proxyHeaders.http?.destroyWaiting();
        proxyHeaders.https?.destroyWaiting();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, deps.drainTimeoutMs ?? 10_000);
            timer.unref();
            drained.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        // Each cut request's and WebSocket's 'close' queues its log row (or an event stream's or
        // WebSocket's end): the writer closes after those, not before (its later pushes are lost).
        const requestsClosed =
          inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve));
        const upgradedClosed = [...upgraded.keys()].map(
          (socket) => new Promise<void>((resolve) => socket.once("close", () => resolve())),
        );
        cutting = true;
        // Still waiting for their app's answer (none of it sent yet): the visitor gets the
        // restarting page, not an empty reply, and the log a 503.
        for (const res of answering) {
          if (!res || res.headersSent || res.destroyed) continue;
          const exchange = res[EXCHANGE];
          if (exchange) {
            exchange.error = "relay_shutdown";
            answeredByRelay(exchange, PAGES.draining);
          }
          res.shouldKeepAlive = false;
          sendPage(res, PAGES.draining);
        }
        // The HTTPS server is an HTTP/2 one: Node's HTTP/1.1 code tracks its HTTP/1.1 connections
        // as it does a plain server's, but only http.Server has the method that closes them.
        for (const server of servers) http.Server.prototype.closeAllConnections.call(server);
        http2Sessions.destroyAll();
        // WebSockets are told (1001), so a browser's app knows to reconnect, not that the network failed.
        for (const [socket, exchange] of upgraded) {
          if (!exchange?.goodbye?.say(CLOSE_GOING_AWAY, "Relay restarting")) socket.destroy();
        }
        upgraded.clear();
        pools.destroyAll();
        await Promise.all([...closed, ...upgradedClosed, requestsClosed]);
        if (ownsLogWriter) await logWriter?.close();
        await logPool?.end().catch(() => {});
      })();
      return closing;
    },
  };
}

/** A browser's EventSource (or any client asking for an event stream with a GET). */
function isEventStream(req: http.IncomingMessage): boolean {
  return req.method === "GET" && (req.headers.accept ?? "").toLowerCase().includes("text/event-stream");
}

/** The visitor waits for "100 Continue" before sending its body (HTTP/1.1 only: 1.0 has no 100). */
function expectsContinue(req: http.IncomingMessage): boolean {
  const expect = req.headers.expect;
  return (
    expect !== undefined &&
    expect.trim().toLowerCase() === "100-continue" &&
    (req.httpVersion === "1.1" || isHttp2(req))
  );
}

/** The settings Node's HTTP/1.1 server code reads from the server that accepted a connection. */
interface Http1Settings {
  requestTimeout: number;
  timeout: number;
  headersTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
  maxHeaderSize: number;
  maxHeadersCount: number;
}
