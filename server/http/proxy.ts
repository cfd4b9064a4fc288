import type http from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { RequestLogError } from "../../lib/request-logs/row.ts";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { corkForTurn } from "../turn-cork.ts";
import { answeredByRelay, type Exchange, type ExchangeRecorder, openLine, requestLabel } from "./exchange.ts";
import {
  type ForwardedFacts,
  type HeaderEdits,
  upstreamRequestHeaders,
  visitorResponseHeaders,
} from "./headers.ts";
import type { HostRefusalNotices } from "./host-refusal.ts";
import { isHttp2 } from "./http2-visitors.ts";
import type { LocalAddresses } from "./local-address.ts";
import type { OwnerNotices } from "./owner-notices.ts";
import { type EdgePage, PAGES, tunnelOfflinePage } from "./pages.ts";
import {
  LOCAL_CLOSED,
  LOCAL_NOT_HTTP,
  LOCAL_SOCKS,
  LOCAL_TLS,
  tellIfBadResponse,
  tellIfNotHttp,
  tellIfSocks,
  tellIfUnreachable,
  tunnelFailure,
} from "./tunnel-failure.ts";
import type { TunnelLoops } from "./tunnel-loop.ts";
import type { TunnelPools } from "./tunnel-pools.ts";
import { dropUnreadBody } from "./unread-body.ts";

/** What proxyRequest needs from the edge. */
export interface ProxyDeps {
  registry: TunnelRegistry;
  pools: TunnelPools;
  recorder: ExchangeRecorder;
  hostRefusals: HostRefusalNotices;
  notices: OwnerNotices;
  loops: TunnelLoops;
  localAddresses: LocalAddresses;
}

/** Writes one of the relay's pages unless a response is already under way. */
export function sendPage(res: http.ServerResponse, page: EdgePage): void {
  if (res.headersSent || res.destroyed) return;
  // A writeHead of the app's answer that threw has left its reason phrase ("502 OK").
  res.statusMessage = "";
  res.writeHead(page.status, page.headers);
  res.end(page.body);
}

const REASON_PHRASE = /^[\t\x20-\x7e]*$/;

/**
 * Methods RFC 9110 §9.2.2 calls idempotent: sending one of them twice has the effect of sending it
 * once, so a request of these without a body may be retried (what nginx's proxy_next_upstream does).
 */
export const IDEMPOTENT: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/**
 * Proxies one request through a tunnel, streaming both bodies with backpressure, over a pooled SSH
 * channel from the tunnel's keep-alive pool.
 *
 * - The visitor leaves early: the upstream request is aborted (its channel closed), so the local app
 *   sees its connection close and no channel leaks.
 * - The tunnel or app dies mid-response: the visitor's connection is cut (destroyed), never left
 *   hanging and never ended as if the body were complete.
 * - Nothing answers before a response starts: 502 "nothing answers on the local port" (or 503 if the
 *   tunnel itself went away; or "your app closed the connection without answering" when it took
 *   the connection and hung up). An idempotent request without a body whose connection closed before
 *   any answer is retried once: the app may have closed an idle keep-alive connection just as the
 *   relay reused it, and such a request is safe to send again.
 * - The app sends a response head and dies before any of its body: the visitor still gets the 502
 *   page, not an empty reply, since the head of a response with a length is only written with its
 *   first body bytes (Node would not have flushed it before them either). Not retried: the app did
 *   answer.
 */
export function proxyRequest(
  deps: ProxyDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  exchange: Exchange,
  tunnel: Tunnel,
  facts: ForwardedFacts,
  edits: HeaderEdits | undefined,
): void {
  const pool = deps.pools.poolFor(tunnel);
  const contentLength = req.headers["content-length"];
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || (contentLength !== undefined && contentLength !== "0");
  const options: Dispatcher.DispatchOptions = {
    method: exchange.method,
    path: exchange.path,
    headers: upstreamRequestHeaders(req.rawHeaders, facts, {
      upgrade: false,
      edits,
      loopMark: deps.loops.mark(tunnel),
    }),
    body: hasBody ? req : null,
  };
  const visitor = { ip: facts.clientIp, port: req.socket.remotePort ?? 0 };
  let retriesLeft = !hasBody && IDEMPOTENT.has(exchange.method) ? 1 : 0;
  let upstream: Dispatcher.DispatchController | undefined;
  /** The app's final response head arrived (so the request is not retried). */
  let answered = false;
  /** Writes the response head held back until the body starts; false if Node refused it. */
  let writeHeldHead: (() => boolean) | undefined;
  let leaveQueue = () => {};
  /** Fires when the request has had no answer for a while: is the tunnel's client still there? */
  let silenceTimer: NodeJS.Timeout | undefined;
  const checkSilence = () => {
    if (!answered && !res.destroyed) tunnel.checkSilence?.();
  };
  /** The answer is a 400 or 403 whose first chunk may be a dev server's host check (host-refusal.ts). */
  let refusalPossible = false;
  /** The answer is an HTML page whose first chunk is read for links to the owner's computer (local-address.ts). */
  let pageToRead = false;
  /** The body length the app's Content-Length declared, when it did. */
  let declaredLength: number | undefined;
  // A download arrives as 32 KiB SSH packets, a few per read of the tunnel's socket: written to the
  // visitor one syscall per turn instead of one each, it costs the relay ~12 % less CPU per byte and
  // goes ~15 % faster here (bench/compare-streams.ts).
  const corkResponse = corkForTurn(res);

  const bodies = exchange.bodies;
  if (hasBody) {
    req.on(
      "data",
      bodies
        ? (chunk: Buffer) => {
            exchange.bytesIn += chunk.length;
            bodies.request.add(chunk);
          }
        : (chunk: Buffer) => {
            exchange.bytesIn += chunk.length;
          },
    );
    // The listener above sets the body flowing, and undici starts reading it only once a channel is
    // ready: until then nothing may flow past it. undici resumes the body when it writes it.
    req.pause();
  }

  res.once("close", () => {
    clearTimeout(silenceTimer);
    if (!res.writableFinished) {
      exchange.error ??= "client_aborted";
      leaveQueue();
      upstream?.abort(new Error("visitor went away"));
    }
    deps.recorder.finish(exchange);
  });
  res.on("drain", () => upstream?.resume());
  if (hasBody) {
    const socket = req.socket;
    res.once("finish", () => dropUnreadBody(req, socket));
  }

  /** The app's answer failed (`cause`: undici's error; none when the relay gave up on the head). */
  const fail = (cause?: unknown) => {
    if (res.headersSent) {
      exchange.error ??= "upstream_aborted";
      res.destroy();
      return;
    }
    writeHeldHead = undefined;
    const failure = tunnelFailure(deps.registry, tunnel, cause);
    const closed = cause instanceof Error && isConnectionClosed(cause);
    // No connection to the app at all (not one it closed, nor an answer it spoiled): the owner
    // hears what to check.
    if (!closed && !answered) tellIfUnreachable(deps.notices, tunnel, failure.error);
    tellIfBadResponse(deps.notices, tunnel, requestLabel(exchange), cause);
    // The app took the connection and closed it without a word, or answered with bytes that are
    // not HTTP: an HTTPS dev server does either to plain HTTP (a TLS alert is the second). If that
    // is it, the pool uses HTTPS with the app from now on, and the request, which the app never
    // read as HTTP, goes again, unless its body has already been streamed. Else an app that took
    // the connection and closed it runs: it hung up on this request (crashed on it, say), and
    // "nothing answers" would send its owner to check whether it runs.
    const closedWithoutAWord = failure.error === "local_unreachable" && closed;
    if ((closedWithoutAWord || failure.error === "local_not_http") && !answered && !pool.appTls) {
      void pool.probe(visitor).then((speaks) => {
        if (speaks === "socks") answerFailure(LOCAL_SOCKS);
        else if (speaks === "other") answerFailure(LOCAL_NOT_HTTP);
        else if (speaks !== "tls") answerFailure(closedWithoutAWord ? LOCAL_CLOSED : failure);
        else if (hasBody) answerFailure(LOCAL_TLS);
        else if (!res.destroyed) leaveQueue = pool.dispatch(visitor, options, handler, busy);
      });
      return;
    }
    answerFailure(failure);
  };
  const answerFailure = (failure: { error: RequestLogError; page: EdgePage }) => {
    const { error } = failure;
    // The tunnel went away while the app had the request: a GET's page waits for it too.
    const page = error === "tunnel_offline" ? tunnelOfflinePage(exchange.method) : failure.page;
    exchange.error = error;
    tellIfNotHttp(deps.notices, tunnel, error);
    tellIfSocks(deps.notices, tunnel, error);
    // The visitor gets the relay's page, not the head the app started (if it did).
    exchange.responseHeaders = undefined;
    answeredByRelay(exchange, page);
    sendPage(res, page);
  };
  // Every channel of the tunnel stayed taken for the whole wait (long polls, event streams, an app
  // stopped in a debugger): the visitor hears so instead of waiting without an end.
  const busy = () => {
    exchange.error = "tunnel_busy";
    answeredByRelay(exchange, PAGES.tunnelBusy);
    sendPage(res, PAGES.tunnelBusy);
  };

  /** Writes the held-back response head now (its body starts or it has none). */
  const takeHeldHead = (): boolean => {
    const writeHead = writeHeldHead!;
    writeHeldHead = undefined;
    return writeHead();
  };

  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      upstream = controller;
      // A channel already open carries the request at once, so a client gone silent (a laptop
      // asleep) is not noticed by the wait for a channel: ask it, if nothing answers for a while.
      clearTimeout(silenceTimer);
      if (tunnel.silenceCheckAfterMs !== undefined)
        silenceTimer = setTimeout(checkSilence, tunnel.silenceCheckAfterMs);
      // The request waited for a channel and the visitor left meanwhile.
      if (res.destroyed) controller.abort(new Error("visitor went away"));
    },
    onResponseStart(controller, status, headers, statusMessage) {
      clearTimeout(silenceTimer);
      // Interim answers (103 Early Hints, 102 Processing) are not passed on; the final one follows.
      if (status < 200) return;
      answered = true;
      deps.notices.solved(tunnel, "local_unreachable");
      deps.notices.solved(tunnel, "local_not_http");
      deps.notices.solved(tunnel, "local_bad_response");
      refusalPossible = (status === 400 || status === 403) && deps.hostRefusals.wanted(tunnel);
      deps.hostRefusals.answered(tunnel, status);
      const raw = flattenHeaders(headers);
      exchange.status = status;
      const length = headers["content-length"];
      declaredLength = typeof length === "string" && /^\d+$/.test(length) ? Number(length) : undefined;
      if (deps.loops.answeredByLoop(tunnel, status, raw)) exchange.error = "tunnel_loop";
      // The log keeps what the app answered; the visitor may get a redirect's Location mended.
      exchange.responseHeaders = raw;
      const forVisitor =
        status >= 300 && status < 400 ? deps.localAddresses.forVisitor(tunnel, raw, facts, edits?.host) : raw;
      pageToRead = deps.localAddresses.wantsPage(tunnel, status, raw);
      const writeHead = () => {
        try {
          res.writeHead(
            status,
            statusMessage && REASON_PHRASE.test(statusMessage) ? statusMessage : undefined,
            visitorResponseHeaders(forVisitor),
          );
          return true;
        } catch (error) {
          // A header undici accepted but Node's server refuses to write: the app's fault.
          controller.abort(new Error("unwritable response header"));
          fail(error);
          return false;
        }
      };
      // Event streams and bodies of unknown length: the visitor gets the headers now, not with the
      // first chunk, which may be minutes away (long poll) — and nothing is ever compressed here.
      const streaming = streamingResponse(raw);
      if (streaming) {
        if (!writeHead()) return;
        res.flushHeaders();
        // An event stream may last hours: its row goes into the log now, finished when it ends,
        // and the owner's terminal says it is open.
        if (streaming === "event-stream") {
          deps.recorder.open(exchange);
          tunnel.notify(openLine(exchange));
        } else {
          // A body of unknown length may stream for long too (a chunked feed, a long download):
          // like a long download it goes into the log while it lasts, and is checked again when
          // its visitor's access ends (server/access/open-connections.ts).
          deps.recorder.responding(exchange);
        }
      } else {
        writeHeldHead = writeHead;
        // A long download goes into the log while it lasts (BURROW_LOG_WAITING_AFTER_SECONDS).
        deps.recorder.responding(exchange);
      }
    },
    onResponseData(controller, chunk) {
      if (writeHeldHead && !takeHeldHead()) return;
      exchange.bytesOut += chunk.length;
      bodies?.response.add(chunk);
      if (refusalPossible) {
        refusalPossible = false;
        deps.hostRefusals.check(tunnel, exchange.status, chunk, facts.host, edits?.host);
      }
      corkResponse();
      const more = res.write(chunk);
      if (pageToRead) {
        pageToRead = false;
        deps.localAddresses.checkPage(tunnel, chunk, exchange.responseHeaders ?? [], facts, edits?.host);
      }
      // The whole declared body is out: the answer ends now, not when undici reports the end. That
      // report waits for 'drain' when this write filled the buffer, and a visitor who has every
      // byte closes at once (curl does): over TLS its close often came first, and a complete
      // download was logged as the visitor going away. Not pausing lets undici finish it.
      if (exchange.bytesOut === declaredLength) {
        res.end();
        return;
      }
      if (!more) controller.pause();
    },
    onResponseEnd(_controller, trailers) {
      if (writeHeldHead && !takeHeldHead()) return;
      // Trailer fields (a checksum after a streamed body, gRPC-web's status) go on at the end of
      // the visitor's chunked body, or in HTTP/2's closing HEADERS frame (Node's compatibility
      // response has no chunkedEncoding); an HTTP/1.0 visitor's body cannot carry them.
      if ((res.chunkedEncoding || isHttp2(req)) && trailers && Object.keys(trailers).length > 0) {
        try {
          res.addTrailers(trailers);
        } catch {
          // A field Node refuses to write: the body itself is whole, so it still ends cleanly.
        }
      }
      res.end();
    },
    onResponseError(_controller, error) {
      if (res.destroyed) return;
      if (!answered && retriesLeft > 0 && isConnectionClosed(error)) {
        retriesLeft -= 1;
        leaveQueue = pool.dispatch(visitor, options, handler, busy);
        return;
      }
      fail(error);
    },
  };
  // A request the app holds (a hung endpoint, a long poll) goes into the log while it waits.
  deps.recorder.waiting(exchange);
  leaveQueue = pool.dispatch(visitor, options, handler, busy);
}

/** undici's parsed headers back into Node's raw [name, value, ...] list (repeats kept in order). */
export function flattenHeaders(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === "string") raw.push(name, value);
    else if (value) for (const item of value) raw.push(name, item);
  }
  return raw;
}

/** undici's "the other side closed the connection before answering". */
export function isConnectionClosed(error: Error): boolean {
  return (error as Error & { code?: string }).code === "UND_ERR_SOCKET";
}

/** Whether a response streams: an event stream, or a body without a Content-Length; else null. */
function streamingResponse(rawHeaders: readonly string[]): "event-stream" | "unknown-length" | null {
  let hasLength = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 14 && name.toLowerCase() === "content-length") hasLength = true;
    else if (
      name.length === 12 &&
      name.toLowerCase() === "content-type" &&
      rawHeaders[i + 1]!.toLowerCase().startsWith("text/event-stream")
    ) {
      return "event-stream";
    }
  }
  return hasLength ? null : "unknown-length";
}
