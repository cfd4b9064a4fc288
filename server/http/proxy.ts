import http from "node:http";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import type { Exchange, ExchangeRecorder } from "./exchange.ts";
import {
  type ForwardedFacts,
  type HeaderEdits,
  upstreamRequestHeaders,
  visitorResponseHeaders,
} from "./headers.ts";
import { type EdgePage, PAGES } from "./pages.ts";
import type { TunnelAgents, TunnelRequestOptions } from "./tunnel-agents.ts";

/** What proxyRequest needs from the edge. */
export interface ProxyDeps {
  registry: TunnelRegistry;
  agents: TunnelAgents;
  recorder: ExchangeRecorder;
}

/** Writes one of the relay's pages unless a response is already under way. */
export function sendPage(res: http.ServerResponse, page: EdgePage): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(page.status, page.headers);
  res.end(page.body);
}

const REASON_PHRASE = /^[\t\x20-\x7e]*$/;

/**
 * Proxies one request through a tunnel, streaming both bodies with backpressure (pipe), over a
 * pooled SSH channel from the tunnel's keep-alive agent.
 *
 * - The visitor leaves early: the upstream request (and its channel) is destroyed, so the local
 *   app sees its connection close and no channel leaks.
 * - The tunnel or app dies mid-response: the visitor's connection is cut (destroyed), never left
 *   hanging and never ended as if the body were complete.
 * - Nothing answers before a response starts: 502 "nothing answers on the local port" (or 503 if the
 *   tunnel itself went away). A failure on a reused pooled channel is retried once on a fresh one
 *   for requests without a body: the app may have closed an idle keep-alive connection just as the
 *   relay reused it, and such a request cannot have been processed.
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
  const agent = deps.agents.agentFor(tunnel);
  const headers = upstreamRequestHeaders(req.rawHeaders, facts, { upgrade: false, edits });
  const contentLength = req.headers["content-length"];
  const hasBody =
    req.headers["transfer-encoding"] !== undefined || (contentLength !== undefined && contentLength !== "0");
  const options: TunnelRequestOptions = {
    agent,
    method: req.method,
    path: exchange.path,
    headers,
    setHost: false,
    visitor: { ip: facts.clientIp, port: req.socket.remotePort ?? 0 },
  };
  let upstream: http.ClientRequest | undefined;
  let retried = false;

  if (hasBody) {
    req.on("data", (chunk: Buffer) => {
      exchange.bytesIn += chunk.length;
    });
  }

  res.once("close", () => {
    if (!res.writableFinished) {
      exchange.error ??= "client_aborted";
      upstream?.destroy();
    }
    deps.recorder.finish(exchange);
  });

  const onResponse = (upRes: http.IncomingMessage) => {
    const status = upRes.statusCode ?? 502;
    let streaming: boolean;
    try {
      const raw = upRes.rawHeaders;
      res.writeHead(
        status,
        upRes.statusMessage && REASON_PHRASE.test(upRes.statusMessage) ? upRes.statusMessage : undefined,
        visitorResponseHeaders(raw),
      );
      streaming = isStreamingResponse(raw);
    } catch {
      // A header Node's client accepted but its server refuses to write: the app's fault.
      upRes.destroy();
      fail("local_unreachable");
      return;
    }
    exchange.status = status;
    // Event streams and bodies of unknown length: the visitor gets the headers now, not with the
    // first chunk, which may be minutes away (long poll) — and nothing is ever compressed here.
    if (streaming) res.flushHeaders();
    upRes.on("data", (chunk: Buffer) => {
      exchange.bytesOut += chunk.length;
    });
    upRes.once("close", () => {
      if (!upRes.complete) {
        exchange.error ??= "upstream_aborted";
        res.destroy();
      }
    });
    upRes.pipe(res);
  };

  const fail = (error: "local_unreachable" | "tunnel_offline") => {
    if (res.headersSent) {
      exchange.error ??= "upstream_aborted";
      res.destroy();
      return;
    }
    const gone = deps.registry.get(tunnel.name) !== tunnel;
    exchange.error = gone ? "tunnel_offline" : error;
    exchange.status = gone ? PAGES.tunnelOffline.status : PAGES.localUnreachable.status;
    sendPage(res, gone ? PAGES.tunnelOffline : PAGES.localUnreachable);
  };

  const send = () => {
    const up = http.request(options);
    upstream = up;
    up.on("response", onResponse);
    up.on("error", () => {
      if (up !== upstream || res.destroyed) return;
      if (!res.headersSent && !retried && !hasBody && up.reusedSocket) {
        retried = true;
        send();
        return;
      }
      fail("local_unreachable");
    });
    if (hasBody) req.pipe(up);
    else up.end();
  };
  send();
}

/** True for text/event-stream and for responses without a Content-Length. */
function isStreamingResponse(rawHeaders: readonly string[]): boolean {
  let hasLength = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 14 && name.toLowerCase() === "content-length") hasLength = true;
    else if (
      name.length === 12 &&
      name.toLowerCase() === "content-type" &&
      rawHeaders[i + 1]!.toLowerCase().startsWith("text/event-stream")
    ) {
      return true;
    }
  }
  return !hasLength;
}
