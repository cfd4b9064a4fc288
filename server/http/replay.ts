import type { Dispatcher } from "undici";
import { type KeepBudget, keepBodies } from "../../lib/request-logs/bodies.ts";
import type { ReplayRequest } from "../../lib/request-logs/replay.ts";
import { headerValue } from "../../lib/request-logs/replay-rules.ts";
import type { TunnelRegistry } from "../registry.ts";
import { type Exchange, type ExchangeRecorder, startExchange } from "./exchange.ts";
import { type ForwardedFacts, upstreamRequestHeaders } from "./headers.ts";
import { PAGES } from "./pages.ts";
import { flattenHeaders, IDEMPOTENT, isConnectionClosed } from "./proxy.ts";
import { tunnelFailure } from "./tunnel-failure.ts";
import type { TunnelLoops } from "./tunnel-loop.ts";
import type { TunnelPools } from "./tunnel-pools.ts";

/** What replayRequest needs from the edge. */
export interface ReplayDeps {
  registry: TunnelRegistry;
  pools: TunnelPools;
  recorder: ExchangeRecorder;
  loops: TunnelLoops;
  /** Bodies may be kept at all (the request log and BURROW_LOG_BODIES are on). */
  bodiesAllowed: boolean;
  /** The relay's allowance of kept bytes in flight (bodies.ts). */
  keepBudget?: KeepBudget;
  /** How visitors reach the relay (X-Forwarded-Proto/-Port of the replay). */
  publicProto: "http" | "https";
  publicPort: number;
  /** How long the answer is read before the relay stops (default REPLAY_READ_MS). */
  readMs?: number;
}

/**
 * How long a replay's answer is read. Nobody waits on the other end: an event stream or long poll
 * replayed would otherwise hold a channel of the tunnel for as long as the app keeps it open.
 */
export const REPLAY_READ_MS = 30_000;

/**
 * Sends a logged request to the tunnel's app again, through the tunnel's channel pool like any
 * visitor's request, and logs the answer as a new row (admission REPLAY). The answer itself goes
 * nowhere but the log: its status, headers, size and, when the name keeps bodies, its start.
 * Resolves once the exchange is finished (its row on its way to the log); never rejects.
 */
export function replayRequest(deps: ReplayDeps, request: ReplayRequest): Promise<void> {
  const tunnel = deps.registry.get(request.name);
  const exchange = startExchange({
    name: request.name,
    tunnel,
    method: request.method,
    path: request.path,
    clientIp: request.clientIp,
    userAgent: request.userAgent ?? undefined,
    // The framing the app received (undici writes it for the body; the stored headers never carry
    // it, replay-rules.ts NOT_COPIED), so the row says what was sent.
    requestHeaders: request.body?.length
      ? [...request.headers, "Content-Length", String(request.body.length)]
      : request.headers,
    upgrade: false,
  });
  exchange.admission = "REPLAY";
  exchange.replayOf = request.replayOf;
  if (!tunnel) {
    answered(exchange, PAGES.tunnelOffline.status, "tunnel_offline");
    deps.recorder.finish(exchange);
    return Promise.resolve();
  }
  const body = request.body;
  exchange.bytesIn = body?.length ?? 0;
  if (request.keepBodies && deps.bodiesAllowed) {
    exchange.bodies = keepBodies(deps.keepBudget);
    if (body) exchange.bodies.request.add(body);
    deps.recorder.keeping(exchange);
  }
  const facts: ForwardedFacts = {
    clientIp: request.clientIp,
    host: headerValue(request.headers, "host") ?? "",
    proto: deps.publicProto,
    port: deps.publicPort,
  };
  const options: Dispatcher.DispatchOptions = {
    method: request.method,
    path: request.path,
    headers: upstreamRequestHeaders(request.headers, facts, {
      upgrade: false,
      edits: request.hostLocalhost ? { host: "localhost" } : undefined,
      loopMark: deps.loops.mark(tunnel),
    }),
    body,
  };

  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let retriesLeft = body === null && IDEMPOTENT.has(request.method) ? 1 : 0;
    const finish = () => {
      clearTimeout(timer);
      deps.recorder.finish(exchange);
      resolve();
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        timer = setTimeout(() => {
          exchange.error = "replay_stopped";
          controller.abort(new Error("replay read long enough"));
        }, deps.readMs ?? REPLAY_READ_MS);
        timer.unref();
      },
      onResponseStart(_controller, status, headers) {
        if (status < 200) return;
        exchange.status = status;
        exchange.responseHeaders = flattenHeaders(headers);
        if (deps.loops.answeredByLoop(tunnel, status, exchange.responseHeaders))
          exchange.error = "tunnel_loop";
      },
      onResponseData(_controller, chunk) {
        exchange.bytesOut += chunk.length;
        exchange.bodies?.response.add(chunk);
      },
      onResponseEnd: finish,
      onResponseError(_controller, error) {
        // As for a visitor's request (proxy.ts): the app may have closed the pooled connection
        // just as it was reused, and such a request is safe to send once more.
        if (exchange.status === 0 && retriesLeft > 0 && isConnectionClosed(error)) {
          retriesLeft -= 1;
          clearTimeout(timer);
          send();
          return;
        }
        if (exchange.error === "replay_stopped") {
          // Stopped before even the head: the gateway timeout a visitor's proxy would report.
          if (exchange.status === 0) answered(exchange, 504, "replay_stopped");
        } else if (exchange.status !== 0) {
          exchange.error = "upstream_aborted";
        } else {
          const failure = tunnelFailure(deps.registry, tunnel, error);
          answered(exchange, failure.page.status, failure.error);
        }
        finish();
      },
    };
    const send = () =>
      deps.pools.poolFor(tunnel).dispatch({ ip: request.clientIp, port: 0 }, options, handler, () => {
        answered(exchange, PAGES.tunnelBusy.status, "tunnel_busy");
        finish();
      });
    send();
  });
}

/** The relay answered in the app's place: nobody received its page, so no bytes went out. */
function answered(exchange: Exchange, status: number, error: NonNullable<Exchange["error"]>): void {
  exchange.status = status;
  exchange.error = error;
  exchange.responseHeaders = undefined;
}
