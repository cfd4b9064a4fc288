import type http from "node:http";
import http2, { type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import type { TLSSocket } from "node:tls";

/**
 * HTTP/2 visitors on the HTTPS edge. Node's compatibility API hands their requests to the same
 * listener as HTTP/1.1 ones, as objects that mostly behave alike; the differences the edge would
 * trip on are mended here, once per request, so routing, access checks, proxying and the log read
 * and write every request the HTTP/1.1 way.
 *
 * Why HTTP/2 at all: a browser opens at most six HTTP/1.1 connections to a host, so a seventh tab
 * of an app that keeps an event stream open waited for one of the others to close (forever). Over
 * HTTP/2 each tab's stream is one stream of a single connection. WebSockets still use HTTP/1.1: the
 * edge does not offer RFC 8441's extended CONNECT, so browsers open a connection of their own.
 */

/**
 * Streams one visitor's connection may have open at once (nginx's default too). A browser queues
 * more itself; each proxied stream holds an app connection, which the tunnel's per-visitor share
 * bounds as for HTTP/1.1 (tunnel-pools.ts).
 */
const MAX_CONCURRENT_STREAMS = 128;

/**
 * How much of a request body a visitor may send before the relay has passed it on: per stream,
 * and for the whole connection. HTTP/2's default (64 KiB) would cap an upload at 64 KiB per round
 * trip (about 1.3 MB/s to a visitor 50 ms away); a MiB still bounds what a slow app leaves buffered.
 */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * How large a header list Node itself takes over HTTP/2 before it refuses the stream with
 * RST_STREAM (ENHANCE_YOUR_CALM), counted its way (each field 32 bytes more than its name and
 * value, RFC 9113 §6.5.2), and how many fields. The edge's own rule is HTTP/1.1's, tighter
 * (request-head-size.ts: 16 KiB of names and values, 1,000 fields, the 431 page): these only have
 * to be above every list that rule lets through, so that Node hands the stream over and the edge
 * answers it, 431 or not. Such a list weighs at most about 48 KiB here (16 KiB plus 32 bytes for
 * each of 1,000 fields and the pseudo-headers), which leaves room for a few hundred cookies a
 * browser sends as a field each. They stay a ceiling because Node buffers the whole list before
 * anyone sees it, on each of up to MAX_CONCURRENT_STREAMS streams (8 MiB a connection at worst,
 * against 2 MiB at 16 KiB): past them a client is not a browser, and Node's RST stays.
 * At 33 bytes a field at the least, the size alone stops a list at 1,985 fields: the count is
 * above that, so it is the size that bounds memory (Node's default count, 128, refused a visitor
 * with many cookies whom HTTP/1.1 serves).
 */
const HEADER_LIST_CEILING_BYTES = 64 * 1024;
const HEADER_LIST_CEILING_FIELDS = 2048;

/** The HTTP/2 part of the HTTPS server's options (http2.createSecureServer). */
export function http2ServerOptions(): Pick<http2.SecureServerOptions, "settings" | "maxHeaderListPairs"> {
  return {
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      initialWindowSize: STREAM_WINDOW_BYTES,
      maxHeaderListSize: HEADER_LIST_CEILING_BYTES,
    },
    maxHeaderListPairs: HEADER_LIST_CEILING_FIELDS,
  };
}

/** Whether a request came over HTTP/2. */
export function isHttp2(req: http.IncomingMessage): boolean {
  return req.httpVersionMajor === 2;
}

/** What an HTTP/2 response has beyond http.ServerResponse's shape. */
interface Http2Response {
  stream: ServerHttp2Stream;
}

/**
 * Gives an HTTP/2 request and its response the HTTP/1.1 shape the edge relies on (nothing for an
 * HTTP/1.1 one):
 * - `rawHeaders` without pseudo-headers (`:method`, `:path`, …), with `Host` from `:authority` as
 *   HTTP/1.1 has it (RFC 9113 §8.3.1; browsers send no Host over HTTP/2), and the cookies a browser
 *   sends as separate fields joined into one, as an HTTP/1.1 app expects (RFC 9113 §8.2.3);
 *   `headers.host` likewise.
 * - No reason phrase: HTTP/2 has none, and Node warns on the process's output when one is set.
 * - A body of unknown length is marked chunked, as HTTP/1.1 marks one (else it reads as none).
 * - `writableFinished` true only for a response the edge ended, not one the visitor cancelled, and
 *   `destroyed` for one the visitor cancelled (the compatibility response has none).
 * - A body still arriving when the answer has gone out is refused with RST_STREAM NO_ERROR.
 * - An 'error' of the request nobody listens for is not thrown (HTTP/1.1's are not either).
 * - cork()/uncork() of the stream, which the compatibility response lacks (proxy.ts corks writes).
 */
export function asHttp1Exchange(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (!isHttp2(req)) return;
  // Node's HTTP/1.1 request emits no 'error' nobody listens for; this one does, and the relay's
  // HTTP client destroys a request body with one when its stream ends early (a visitor's upload
  // cut off by the answer, RST_STREAM): unheard, it would crash the relay. The failure itself
  // reaches the proxy through its HTTP client, as for HTTP/1.1.
  req.on("error", () => {});
  const rawHeaders = http1RawHeaders(req.rawHeaders);
  Object.defineProperty(req, "rawHeaders", { value: rawHeaders, writable: true, configurable: true });
  if (req.headers.host === undefined && rawHeaders[0] === "host") req.headers.host = rawHeaders[1];
  // HTTP/2 frames bodies itself: one of unknown length has no Content-Length and no chunked coding,
  // and the edge (as HTTP/1.1's rules have it) would take the request for one without a body. In
  // the parsed headers only: it goes to the app chunked, which is what this says.
  const { stream } = res as unknown as Http2Response;
  if (!stream.endAfterHeaders && req.headers["content-length"] === undefined) {
    req.headers["transfer-encoding"] = "chunked";
  }
  Object.defineProperty(res, "statusMessage", { value: "", writable: true, configurable: true });
  const writeHead = res.writeHead.bind(res) as (
    status: number,
    headers?: http.OutgoingHttpHeaders | http.OutgoingHttpHeader[],
  ) => http.ServerResponse;
  res.writeHead = ((
    status: number,
    messageOrHeaders?: string | http.OutgoingHttpHeaders | http.OutgoingHttpHeader[],
    headers?: http.OutgoingHttpHeaders | http.OutgoingHttpHeader[],
  ) =>
    typeof messageOrHeaders === "string" || messageOrHeaders === undefined
      ? writeHead(status, headers)
      : writeHead(status, messageOrHeaders)) as http.ServerResponse["writeHead"];
  // Node reports a stream the visitor cancelled (RST_STREAM) as finished writing, and the edge
  // would take an event stream the visitor left for one the app ended: finished means ended here.
  Object.defineProperty(res, "writableFinished", {
    get: () => res.writableEnded && stream.writableFinished,
    configurable: true,
  });
  // The compatibility response has no `destroyed`: a visitor who cancelled a request still waiting
  // for a channel would have had it sent to the app all the same (proxy.ts checks it).
  Object.defineProperty(res, "destroyed", { get: () => stream.destroyed, configurable: true });
  // The answer went out while the request body was still coming (an app refusing an upload, a
  // relay page): the visitor is told to stop sending it (RST_STREAM NO_ERROR once the answer is
  // out, as RFC 9113 §8.1 has it), instead of its upload stalling and its stream staying open.
  // (Node's 'finish' of the response comes only with the stream's close, too late for
  // dropUnreadBody.) Only then: RST_STREAM takes the place of the answer's END_STREAM, and of the
  // trailers that would come with it. A request without a body (END_STREAM on its headers, a GET)
  // or whose body is all in, read or not, is done sending; unread, `req.complete` is false for it.
  stream.once("finish", () => {
    if (!stream.endAfterHeaders && !req.complete && stream.state.remoteClose === 0) {
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }
  });
  res.cork = () => stream.cork();
  res.uncork = () => stream.uncork();
}

/** An HTTP/2 request's raw header list as HTTP/1.1 would have it (see asHttp1Exchange). */
export function http1RawHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  let authority: string | undefined;
  let hasHost = false;
  let cookieAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.startsWith(":")) {
      if (name === ":authority") authority = value;
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === "host") hasHost = true;
    else if (lower === "cookie") {
      if (cookieAt >= 0) {
        out[cookieAt + 1] = `${out[cookieAt + 1]}; ${value}`;
        continue;
      }
      cookieAt = out.length;
    }
    out.push(name, value);
  }
  if (!hasHost && authority !== undefined) out.unshift("host", authority);
  return out;
}

/**
 * The edge's HTTP/2 connections: closed when idle (HTTP/1.1 keep-alive connections are, by Node's
 * server), told to take no new requests when the relay stops (GOAWAY, while the ones under way
 * finish), and cut at the end of the drain.
 */
export class Http2Sessions {
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #sockets = new Set<TLSSocket>();
  readonly #idleMs: number;
  readonly #firstRequestMs: number;

  /**
   * `idleMs`: how long a connection with no request open stays; `firstRequestMs`: how long a new
   * one has to send its first request (the slowloris guard of HTTP/1.1's header deadline).
   */
  constructor(options: { idleMs: number; firstRequestMs: number }) {
    this.#idleMs = options.idleMs;
    this.#firstRequestMs = options.firstRequestMs;
  }

  /** For the server's 'session' event. */
  readonly track = (session: ServerHttp2Session): void => {
    this.#sessions.add(session);
    session.once("close", () => this.#sessions.delete(session));
    session.on("error", () => session.destroy());
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const idleFor = (ms: number) => {
      idle = setTimeout(() => session.close(), ms);
      idle.unref();
    };
    idleFor(this.#firstRequestMs);
    session.on("stream", (stream: ServerHttp2Stream) => {
      open += 1;
      clearTimeout(idle);
      stream.once("close", () => {
        open -= 1;
        if (open === 0 && !session.closed) idleFor(this.#idleMs);
      });
    });
  };

  /** No new requests on any connection (GOAWAY); those under way go on. */
  closeAll(): void {
    for (const session of this.#sessions) session.close();
  }

  /** Cuts every connection now, with whatever is under way on it. */
  destroyAll(): void {
    for (const session of this.#sessions) session.destroy();
    // A session told to close (closeAll) only ends its connection and waits for the visitor to
    // close theirs, destroyed or not: a browser still reading a stream would hold the stop forever.
    for (const socket of this.#sockets) socket.destroy();
  }

  /** For the HTTPS server's 'secureConnection' event: every TLS connection, whatever it speaks. */
  readonly trackSocket = (socket: TLSSocket): void => {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  };
}
