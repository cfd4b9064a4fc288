import http from "node:http";
import type { Duplex } from "node:stream";
import type { RequestLogError } from "../../lib/request-logs/row.ts";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { answeredByRelay, type Exchange, type ExchangeRecorder, openLine } from "./exchange.ts";
import {
  type ForwardedFacts,
  type HeaderEdits,
  upstreamRequestHeaders,
  visitorResponseHeaders,
} from "./headers.ts";
import type { HostRefusalNotices } from "./host-refusal.ts";
import type { OwnerNotices } from "./owner-notices.ts";
import { type EdgePage, rawResponse } from "./pages.ts";
import type { AppSpeaks } from "./tls-probe.ts";
import {
  isNotHttp,
  LOCAL_CLOSED,
  LOCAL_NOT_HTTP,
  LOCAL_SOCKS,
  MAX_APP_HEADER_BYTES,
  tellIfSocks,
  tellIfUnreachable,
  tunnelFailure,
} from "./tunnel-failure.ts";
import type { TunnelLoops } from "./tunnel-loop.ts";
import type { TunnelPools } from "./tunnel-pools.ts";
import { CLOSE_GOING_AWAY, WebSocketGoodbye } from "./websocket-goodbye.ts";

/** What proxyUpgrade needs from the edge. */
export interface UpgradeDeps {
  registry: TunnelRegistry;
  pools: TunnelPools;
  recorder: ExchangeRecorder;
  hostRefusals: HostRefusalNotices;
  notices: OwnerNotices;
  loops: TunnelLoops;
}

/** After one side of an upgraded connection closed, how long the other may take to finish. */
const HALF_CLOSE_GRACE_MS = 5_000;

/** Answers an upgrade request with a page on the raw socket and closes it. */
export function sendRawPage(socket: Duplex, page: EdgePage): void {
  if (socket.destroyed) return;
  socket.end(rawResponse(page));
}

/**
 * Proxies an upgrade request (WebSocket) through a fresh SSH channel: Node's HTTP client writes the
 * request head (with forwarded headers) and parses the app's answer. On 101 the relay relays the
 * handshake response and then pipes bytes both ways, with no idle timeout; any other answer is
 * passed on as a normal response and the connection closed. Upgraded channels never go back to a
 * pool.
 */
export async function proxyUpgrade(
  deps: UpgradeDeps,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  exchange: Exchange,
  tunnel: Tunnel,
  facts: ForwardedFacts,
  edits: HeaderEdits | undefined,
): Promise<void> {
  // The access check may have been asynchronous: the visitor can be gone already, and then its
  // 'close' has fired and will not fire again.
  if (socket.destroyed) {
    exchange.error = "client_aborted";
    deps.recorder.finish(exchange);
    return;
  }
  socket.once("close", () => {
    if (exchange.status === 0) exchange.error ??= "client_aborted";
    deps.recorder.finish(exchange);
  });

  const pool = deps.pools.poolFor(tunnel);
  const visitor = { ip: facts.clientIp, port: req.socket.remotePort ?? 0 };
  // An app that hangs up before answering, or answers with bytes that are not HTTP (a TLS alert),
  // may be an HTTPS dev server (proxy.ts does the same): once that is known, the upgrade goes
  // again, in TLS. `cause`: why the answer failed.
  const failed = (cause: Error) => {
    if (socket.destroyed) return;
    const answer = (speaks: AppSpeaks) => {
      if (isNotHttp(cause)) deps.hostRefusals.checkUpgrade(tunnel, exchange.path, cause, facts.host);
      let failure =
        speaks === "socks"
          ? LOCAL_SOCKS
          : speaks === "other"
            ? LOCAL_NOT_HTTP
            : tunnelFailure(deps.registry, tunnel, cause);
      tellIfSocks(deps.notices, tunnel, failure.error);
      // It took the connection and hung up ("socket hang up"), and it is no HTTPS server: it runs,
      // and closed this one (crashed on it, say), as proxy.ts tells a request.
      const hungUp = (cause as NodeJS.ErrnoException).code === "ECONNRESET";
      if (hungUp && failure.error === "local_unreachable") failure = LOCAL_CLOSED;
      answerFailure(socket, exchange, failure);
    };
    if (pool.appTls) return answer("tls");
    void pool.probe(visitor).then((speaks) => {
      if (speaks === "tls" && !socket.destroyed) void attempt();
      else answer(speaks);
    });
  };
  const attempt = async () => {
    let channel: Duplex;
    try {
      channel = await pool.openAppStream(visitor);
    } catch (error) {
      // No connection to the app at all (not one it closed): the owner hears what to check.
      const failure = tunnelFailure(deps.registry, tunnel, error);
      tellIfUnreachable(deps.notices, tunnel, failure.error);
      answerFailure(socket, exchange, failure);
      return;
    }
    if (socket.destroyed) {
      channel.destroy();
      return;
    }
    forward(channel);
  };
  const forward = (channel: Duplex) => {
    const upstream = http.request({
      createConnection: () => channel,
      method: req.method,
      path: exchange.path,
      headers: upstreamRequestHeaders(req.rawHeaders, facts, {
        upgrade: true,
        edits,
        loopMark: deps.loops.mark(tunnel),
      }),
      setHost: false,
      maxHeaderSize: MAX_APP_HEADER_BYTES,
    });
    let answered = false;
    const onVisitorGoneEarly = () => {
      if (!answered) upstream.destroy();
    };
    socket.once("close", onVisitorGoneEarly);

    upstream.on("upgrade", (upRes: http.IncomingMessage, upSocket: Duplex, upHead: Buffer) => {
      answered = true;
      exchange.status = upRes.statusCode ?? 101;
      exchange.responseHeaders = upRes.rawHeaders;
      deps.hostRefusals.upgraded(tunnel, exchange.path);
      deps.notices.solved(tunnel, "local_unreachable");
      if (socket.destroyed) {
        upSocket.destroy();
        return;
      }
      let responseHead = `HTTP/1.1 101 ${upRes.statusMessage || "Switching Protocols"}\r\n`;
      const raw = upRes.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) responseHead += `${raw[i]}: ${raw[i + 1]}\r\n`;
      socket.write(`${responseHead}\r\n`);
      // Its messages are dated from here (the visitor's first may already be in `head`).
      const switched = performance.now();
      exchange.bodies?.request.timeChunks(switched);
      exchange.bodies?.response.timeChunks(switched);
      // The connection may last hours: its row goes into the log now, finished when it closes,
      // and the owner's terminal says it is open (its usual line comes when it closes).
      deps.recorder.open(exchange);
      tunnel.notify(openLine(exchange));
      const goodbye = isWebSocket(upRes) ? new WebSocketGoodbye(socket, upSocket) : null;
      exchange.goodbye = goodbye;
      if (upHead.length > 0) {
        exchange.bytesOut += upHead.length;
        exchange.bodies?.response.add(upHead);
        goodbye?.frames.feed(upHead);
        socket.write(upHead);
      }
      if (head.length > 0) {
        exchange.bytesIn += head.length;
        exchange.bodies?.request.add(head);
        goodbye?.visitorFrames.feed(head);
        upSocket.write(head);
      }
      // Once the tunnel is gone (closed, taken over), its WebSockets end with a close frame; an app
      // that drops one without a close frame is passed on as it is (1006), as a direct connection.
      const tunnelGone = () => deps.registry.get(tunnel.name) !== tunnel;
      spliceSockets(socket, upSocket, exchange, goodbye, tunnelGone);
    });

    upstream.on("response", (upRes: http.IncomingMessage) => {
      // The app declined the upgrade (426, 404, a login redirect…): pass its answer on and close,
      // since what follows on this connection is no longer checked by the relay.
      answered = true;
      deps.notices.solved(tunnel, "local_unreachable");
      exchange.status = upRes.statusCode ?? 502;
      exchange.responseHeaders = upRes.rawHeaders;
      if (deps.loops.answeredByLoop(tunnel, exchange.status, upRes.rawHeaders))
        exchange.error = "tunnel_loop";
      let responseHead = `HTTP/1.1 ${exchange.status} ${safeReason(upRes.statusMessage)}\r\n`;
      const kept = visitorResponseHeaders(upRes.rawHeaders);
      for (let i = 0; i < kept.length; i += 2) responseHead += `${kept[i]}: ${kept[i + 1]}\r\n`;
      socket.write(`${responseHead}Connection: close\r\n\r\n`);
      upRes.on("data", (chunk: Buffer) => {
        exchange.bytesOut += chunk.length;
        exchange.bodies?.response.add(chunk);
      });
      upRes.once("close", () => {
        channel.destroy();
        if (upRes.complete) socket.end();
        else socket.destroy();
      });
      upRes.pipe(socket, { end: false });
    });

    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      socket.off("close", onVisitorGoneEarly);
      channel.destroy();
      // "socket hang up": the app closed the connection before answering.
      if (error.code === "ECONNRESET" || isNotHttp(error)) failed(error);
      // Otherwise nothing answered, or its head was too large (tunnelFailure tells which).
      else answerFailure(socket, exchange, tunnelFailure(deps.registry, tunnel, error));
    });
    upstream.end();
  };
  await attempt();
}

function answerFailure(
  socket: Duplex,
  exchange: Exchange,
  { error, page }: { error: RequestLogError; page: EdgePage },
): void {
  exchange.error = error;
  answeredByRelay(exchange, page);
  sendRawPage(socket, page);
}

/**
 * Pipes an upgraded visitor connection and its channel into each other. An end on one side ends
 * the other (so queued bytes still go out); a close or error on either destroys both, after a
 * grace period for the half-closed case, so neither is left open alone. When the name keeps
 * bodies, the start of each side's bytes (WebSocket frames, as sent) is kept for the log. A
 * WebSocket's channel closed because its tunnel went away ends with the relay's close frame.
 */
function spliceSockets(
  socket: Duplex,
  channel: Duplex,
  exchange: Exchange,
  goodbye: WebSocketGoodbye | null,
  tunnelGone: () => boolean,
): void {
  let graceTimer: NodeJS.Timeout | undefined;
  const destroyBoth = () => {
    clearTimeout(graceTimer);
    socket.destroy();
    channel.destroy();
  };
  const bodies = exchange.bodies;
  socket.on("data", (chunk: Buffer) => {
    exchange.bytesIn += chunk.length;
    bodies?.request.add(chunk);
    goodbye?.visitorFrames.feed(chunk);
  });
  channel.on("data", (chunk: Buffer) => {
    exchange.bytesOut += chunk.length;
    bodies?.response.add(chunk);
    goodbye?.frames.feed(chunk);
  });
  socket.on("error", destroyBoth);
  channel.on("error", destroyBoth);
  socket.once("close", destroyBoth);
  // The channel's last bytes may still be queued on the visitor's socket: ending it lets them
  // drain (a close frame goes after them). Whether the tunnel is gone is known a moment after its
  // channels end (the SSH connection's own close comes next).
  let visitorEnded = false;
  const endVisitor = () => {
    if (visitorEnded) return;
    visitorEnded = true;
    if (!(goodbye && tunnelGone() && goodbye.say(CLOSE_GOING_AWAY, "The tunnel closed"))) socket.end();
  };
  if (goodbye) channel.once("end", () => setImmediate(endVisitor));
  channel.once("close", () => {
    if (goodbye) setImmediate(endVisitor);
    else endVisitor();
    graceTimer = setTimeout(destroyBoth, HALF_CLOSE_GRACE_MS);
    graceTimer.unref();
  });
  socket.pipe(channel);
  // A WebSocket's visitor socket is ended by endVisitor, not by the pipe, so there is still room
  // for the close frame.
  channel.pipe(socket, { end: goodbye === null });
}

/** A 101 to a WebSocket handshake (not another protocol's upgrade, whose bytes are not frames). */
function isWebSocket(response: http.IncomingMessage): boolean {
  return response.headers.upgrade?.toLowerCase() === "websocket";
}

function safeReason(reason: string | undefined): string {
  return reason && /^[\t\x20-\x7e]*$/.test(reason) ? reason : "Upstream";
}
