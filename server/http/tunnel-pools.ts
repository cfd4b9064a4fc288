import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Dispatcher, Pool as UndiciPool } from "undici";
import type { Logger } from "../../lib/logger.ts";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { endWhenRead } from "./end-when-read.ts";
import { type AppSpeaks, probeApp, startTls } from "./tls-probe.ts";
import { headersTooLargeError, isHeadTooLarge, MAX_APP_HEADER_BYTES } from "./tunnel-failure.ts";
import { visitorKey } from "./visitor-key.ts";

// The pool alone, typed by the package's own declarations: undici's index also loads fetch,
// WebSocket, caches and mocks, which the relay never uses (about 7 MiB of RSS).
const Pool = createRequire(import.meta.url)("undici/lib/dispatcher/pool.js") as typeof UndiciPool;

/** A request waiting for a channel. */
interface Waiter {
  visitor: Visitor;
  /** Its visitor's visitorKey, worked out once: the queue is scanned each time a channel frees. */
  key: string;
  options: Dispatcher.DispatchOptions;
  handler: Dispatcher.DispatchHandler;
  timer: NodeJS.Timeout;
}

/** Who a channel is opened for: reported to the SSH client as the channel's originator. */
export interface Visitor {
  ip: string;
  port: number;
}

/**
 * How long a pooled channel may sit idle before the relay closes it. Shorter than Node's default
 * server keepAliveTimeout (5 s), so the relay, not the local app, normally ends idle connections:
 * the app closing one just as the relay reuses it is the classic keep-alive race.
 */
export const IDLE_CHANNEL_MS = 4_000;

/**
 * Bounds the channels (= app connections) one tunnel holds open; more requests queue. Idle ones
 * may all stay pooled (the idle timeout closes them): closing a channel only to open another for
 * the next request is what the pool is there to avoid. The SSH client needs a file descriptor per
 * channel, and 256 is macOS's default limit for a process. BURROW_MAX_APP_CONNECTIONS sets it.
 */
const MAX_CHANNELS_PER_TUNNEL = 256;

/**
 * A visitor's (client IP after trusted proxies; for IPv6 its /64, see visitorKey) share of a
 * tunnel's channels: a quarter. Past its share a visitor takes more only while that many stay free
 * (#mayStart), so one visitor's event streams or long polls cannot take them all and leave everyone
 * else "Tunnel busy" (QA: 260 streams from one IP did), while a visitor alone is not held back. Its
 * further requests wait for one of its own to end, while other visitors are served at once. A
 * quarter, not less: visitors behind one NAT or office proxy share an IP (and a home its /64).
 */
const VISITOR_SHARE = 1 / 4;

/**
 * How many of one visitor's requests may wait at once for a channel (beyond that, "busy" at once):
 * a load test or a page's many parallel requests from one address queue and are served in turn as
 * its own requests end, rather than being refused past the visitor's share; the bound only keeps
 * one address from growing the queue without end.
 */
const VISITOR_QUEUE_MAX = 1_000;

/**
 * The owner hears that visitors were turned away as busy at most this often (not per request: a
 * busy tunnel turns away many), and the relay's log says so as often.
 */
const BUSY_NOTICE_MS = 60_000;

/**
 * How long a request may wait for one of those channels before the visitor is told the tunnel is
 * busy (503, Retry-After): with every channel held by a long poll or event stream, a queued request
 * would otherwise wait without an end. Only the wait for a channel is bounded, never the app's answer.
 */
const QUEUE_WAIT_MS = 30_000;

/**
 * How long a "no" to "does this tunnel's app speak HTTPS?" is reused: an app that keeps hanging up
 * is not probed again for every request.
 */
const TLS_VERDICT_MS = 10_000;

/** Per-tunnel pool limits (tests shrink them). */
export interface PoolLimits {
  maxChannels: number;
  queueWaitMs: number;
  /** Channels one visitor may hold at once; default VISITOR_SHARE of maxChannels (at least 1). */
  maxChannelsPerVisitor?: number;
  /** Requests of one visitor that may wait at once; default VISITOR_QUEUE_MAX. */
  maxQueuedPerVisitor?: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = {
  maxChannels: MAX_CHANNELS_PER_TUNNEL,
  queueWaitMs: QUEUE_WAIT_MS,
};

/** The limits for BURROW_MAX_APP_CONNECTIONS channels per tunnel. */
export function poolLimitsFor(maxChannels: number): PoolLimits {
  return { ...DEFAULT_POOL_LIMITS, maxChannels };
}

/** How many channels of a tunnel one visitor may hold at once. */
export function visitorShare(limits: PoolLimits): number {
  return limits.maxChannelsPerVisitor ?? Math.max(1, Math.floor(limits.maxChannels * VISITOR_SHARE));
}

/**
 * A keep-alive HTTP/1.1 connection pool (undici's) whose connections are SSH channels of one
 * tunnel: consecutive requests reuse an open channel, and so the client's one TCP connection to its
 * app, instead of opening a channel per request. undici rather than Node's http.Agent because it
 * costs about a fifth less relay CPU per proxied request (bench/compare-relays.ts), with the same
 * HTTP/1.1 semantics (keep-alive, HEAD, interim 1xx answers, chunked bodies both ways, backpressure).
 */
export class TunnelPool {
  readonly tunnel: Tunnel;
  readonly pool: UndiciPool;
  readonly limits: PoolLimits;
  /**
   * The visitor of the request being handed to the pool: undici opens a connection synchronously
   * inside dispatch() for a request without a body, so this names the visitor whose request made
   * the channel. For a request with a body undici connects a microtask later, and the originator may
   * be another visitor of the same moment; it is informational for the SSH client only (the app
   * reads X-Forwarded-For).
   */
  #visitor: Visitor = { ip: "127.0.0.1", port: 0 };

  /** Told when the pool finds the app answering in HTTPS, or no longer (TunnelPools remembers). */
  readonly #onTlsChange: ((tls: boolean) => void) | undefined;
  readonly #logger: Logger | undefined;
  /** Channels one visitor may hold at once (visitorShare). */
  readonly #share: number;

  constructor(
    tunnel: Tunnel,
    limits: PoolLimits = DEFAULT_POOL_LIMITS,
    tls: { appTls: boolean; onChange(tls: boolean): void } | undefined = undefined,
    logger: Logger | undefined = undefined,
  ) {
    this.tunnel = tunnel;
    this.limits = limits;
    this.#share = visitorShare(limits);
    this.#logger = logger;
    this.#appTls = tls?.appTls ?? false;
    this.#tlsInherited = this.#appTls;
    this.#onTlsChange = tls?.onChange;
    this.pool = new Pool("http://tunnel.invalid", {
      connections: limits.maxChannels,
      // The app's own Keep-Alive hint (Node apps send timeout=5) is honoured when shorter, less this
      // margin; nothing the app says makes the relay keep a channel longer than IDLE_CHANNEL_MS.
      // Two seconds, not one: undici's idle timer ticks once a second and may fire that much late,
      // and a POST sent on a connection the app closed meanwhile cannot be retried (a replayed
      // form failed that way in the e2e suite, the channel reused 4.x s after a Node app's answer).
      keepAliveTimeout: IDLE_CHANNEL_MS,
      keepAliveMaxTimeout: IDLE_CHANNEL_MS,
      keepAliveTimeoutThreshold: 2_000,
      // No time limits on a response: long polls and event streams may be quiet for minutes, and a
      // visitor who gives up closes their connection, which aborts the request.
      headersTimeout: 0,
      bodyTimeout: 0,
      maxHeaderSize: MAX_APP_HEADER_BYTES,
      connect: (_options, callback) => {
        this.openAppStream(this.#visitor).then(
          // undici reads and writes its connection as a stream and checks the socket-only methods
          // it calls (ref/unref) before calling them, so a channel serves where its type says Socket.
          (stream) => callback(null, endWhenRead(stream) as unknown as Socket),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
        );
      },
    });
  }

  /** The app answers in HTTPS: every stream to it carries TLS (see probe). */
  #appTls = false;
  /**
   * HTTPS is what the app answered in the name's last tunnel, not yet seen in this one: this
   * session is told once the first handshake works, and nothing if it fails (it may be another app).
   */
  #tlsInherited = false;
  #tlsVerdict: { at: number; answer: Promise<AppSpeaks> } | undefined;

  get appTls(): boolean {
    return this.#appTls;
  }

  /**
   * Opens a stream to the tunnel's app: a channel, inside TLS once the app is known to answer in
   * HTTPS. An app restarted without HTTPS fails the handshake: plain HTTP again from then on.
   */
  async openAppStream(visitor: Visitor): Promise<Duplex> {
    const channel = await this.tunnel.openStream(visitor);
    if (!this.#appTls) return channel;
    try {
      const tls = await startTls(channel);
      if (this.#tlsInherited) {
        this.#tlsInherited = false;
        this.tunnel.notify(
          `${this.tunnel.name}: your app answers in HTTPS, as it did last time; the relay talks HTTPS to it (its certificate is not checked).`,
        );
      }
      return tls;
    } catch (error) {
      if (!this.#appTls) throw error;
      this.#appTls = false;
      this.#tlsVerdict = undefined;
      this.#onTlsChange?.(false);
      // Said only to a session that saw its app answer in HTTPS: a new one may forward elsewhere.
      if (!this.#tlsInherited) {
        this.tunnel.notify(
          `${this.tunnel.name}: your app no longer answers in HTTPS; using plain HTTP with it again.`,
        );
      }
      this.#tlsInherited = false;
      return this.tunnel.openStream(visitor);
    }
  }

  /**
   * Called when the app closed a connection without an HTTP answer: probes (on a channel of its
   * own) what it speaks (probeApp) and, if it is HTTPS, uses HTTPS with it from now on. Concurrent
   * callers share one probe; any other verdict is kept for TLS_VERDICT_MS.
   */
  probe(visitor: Visitor): Promise<AppSpeaks> {
    if (this.#appTls) return Promise.resolve("tls");
    const now = performance.now();
    if (!this.#tlsVerdict || now - this.#tlsVerdict.at > TLS_VERDICT_MS) {
      const answer = probeApp(() => this.tunnel.openStream(visitor)).then((speaks) => {
        if (speaks === "tls" && !this.#appTls) {
          this.#appTls = true;
          this.#onTlsChange?.(true);
          this.tunnel.notify(
            `${this.tunnel.name}: your app answers in HTTPS; the relay talks HTTPS to it from now on (its certificate is not checked).`,
          );
        }
        return speaks;
      });
      this.#tlsVerdict = { at: now, answer };
    }
    return this.#tlsVerdict.answer;
  }

  /** Requests handed to undici and not yet answered or failed: at most limits.maxChannels. */
  #running = 0;
  /** Of those, how many each visitor (visitorKey: IPv4 address or IPv6 /64) has (see #mayStart). */
  readonly #held = new Map<string, number>();
  /** Requests waiting for one of them, oldest first. */
  readonly #waiting: Waiter[] = [];
  /** Of those, how many each visitor has: bounded (maxQueuedPerVisitor), so one visitor cannot grow the queue. */
  readonly #queued = new Map<string, number>();
  /** Requests answered "busy" since the owner was last told, and when that was. */
  #turnedAway = 0;
  #toldAt = Number.NEGATIVE_INFINITY;

  /**
   * Hands a request to the pool on behalf of a visitor (see #visitor), or, while every channel
   * is taken or the visitor holds more than its share of them (#mayStart), queues it for up to
   * limits.queueWaitMs; `onBusy` is called if none frees up for it in that time, or at once if the
   * visitor already has as many requests waiting as it may (maxQueuedPerVisitor). The queue is the
   * relay's, not undici's: a request undici holds can only be aborted once it has a connection
   * (which the abort then destroys), and a visitor who gives up waiting should cost nothing.
   * Returns a function that takes a request still waiting out of the queue (the visitor left).
   */
  dispatch(
    visitor: Visitor,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
    onBusy: () => void,
  ): () => void {
    const key = visitorKey(visitor.ip);
    if (this.#mayStart(key)) {
      this.#start(visitor, key, options, handler);
      return () => {};
    }
    if ((this.#queued.get(key) ?? 0) >= (this.limits.maxQueuedPerVisitor ?? VISITOR_QUEUE_MAX)) {
      this.#tellBusy(key);
      onBusy();
      return () => {};
    }
    const waiter: Waiter = {
      visitor,
      key,
      options,
      handler,
      timer: setTimeout(() => {
        this.#unqueue(waiter);
        this.#tellBusy(key);
        onBusy();
      }, this.limits.queueWaitMs),
    };
    waiter.timer.unref();
    this.#waiting.push(waiter);
    count(this.#queued, key, 1);
    return () => this.#unqueue(waiter);
  }

  /**
   * Below its share a visitor may take any free channel; beyond it only while `share` channels stay
   * free for the others. So a visitor alone (a load test, one busy page) is never slowed by the
   * share, and one holding many leaves the last quarter to everyone else. (A hard cap at the share
   * sent a 64-connection benchmark from one address through the queue: a third fewer requests.)
   */
  #mayStart(key: string): boolean {
    if (this.#running >= this.limits.maxChannels) return false;
    return (this.#held.get(key) ?? 0) < this.#share || this.#running < this.limits.maxChannels - this.#share;
  }

  /**
   * A request was answered "busy": the owner is told (in their ssh session) and the relay's log
   * says so, at most once per BUSY_NOTICE_MS, with how many were turned away since.
   */
  #tellBusy(key: string): void {
    this.#turnedAway += 1;
    const now = performance.now();
    if (now - this.#toldAt < BUSY_NOTICE_MS) return;
    this.#toldAt = now;
    const turnedAway = this.#turnedAway;
    this.#turnedAway = 0;
    const held = this.#held.get(key) ?? 0;
    // Told as one visitor's doing only while others could still be served.
    const oneVisitor = held >= this.#share && this.#running < this.limits.maxChannels;
    const free = this.limits.maxChannels - this.#share;
    const { name } = this.tunnel;
    const max = this.limits.maxChannels;
    const requests = turnedAway === 1 ? "a request" : `${turnedAway} requests`;
    this.tunnel.notify(
      oneVisitor
        ? `${name}: ${requests} got "Tunnel busy" (503): one visitor (${key}) holds ${held} ` +
            `requests open to your app (event streams, long polls or slow answers): one visitor may ` +
            `hold ${free} of ${max} while the last ${this.#share} stay free for others; its further ` +
            "requests wait for its own to end. Other visitors are still served. (Said at most once a minute.)"
        : `${name}: ${requests} got "Tunnel busy" (503): all ${max} requests your app may have ` +
            "open at once were taken (event streams, long polls or slow answers) and none ended " +
            `within ${Math.round(this.limits.queueWaitMs / 1000)} s. End event streams and long ` +
            "polls sooner, or answer faster. (Said at most once a minute.)",
    );
    this.#logger?.warn("tunnel busy: visitors turned away", {
      name,
      turnedAway,
      cause: oneVisitor ? "one_visitor" : "all_channels",
      ...(oneVisitor && { visitor: key, held }),
      running: this.#running,
      maxChannels: max,
      maxPerVisitor: this.#share,
    });
  }

  #start(
    visitor: Visitor,
    key: string,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): void {
    this.#running += 1;
    count(this.#held, key, 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#running -= 1;
      count(this.#held, key, -1);
      this.#startWaiting();
    };
    this.#visitor = visitor;
    // Every request ends in exactly one of onResponseEnd / onResponseError (undici's contract, an
    // abort included): that frees its place for the next waiting request.
    this.pool.dispatch(options, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) =>
        handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart: (controller, status, headers, message) => {
        // undici checks its maxHeaderSize only between reads of the channel: a head that
        // arrived whole in one read (a 1 MB header, 80 KB of cookies; and over TLS to the app)
        // got through. The visitor gets the same 502 as for a head undici stopped.
        if (isHeadTooLarge(headers)) {
          controller.abort(headersTooLargeError());
          return;
        }
        handler.onResponseStart?.(controller, status, headers, message);
      },
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => {
        release();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError: (controller, error) => {
        release();
        handler.onResponseError?.(controller, error);
      },
    });
  }

  /** Starts waiting requests, oldest first, skipping those of visitors who hold their share. */
  #startWaiting(): void {
    for (let at = 0; at < this.#waiting.length && this.#running < this.limits.maxChannels; ) {
      const next = this.#waiting[at]!;
      if (!this.#mayStart(next.key)) {
        at += 1;
        continue;
      }
      this.#waiting.splice(at, 1);
      count(this.#queued, next.key, -1);
      clearTimeout(next.timer);
      this.#start(next.visitor, next.key, next.options, next.handler);
    }
  }

  #unqueue(waiter: Waiter): void {
    const at = this.#waiting.indexOf(waiter);
    if (at === -1) return;
    clearTimeout(waiter.timer);
    this.#waiting.splice(at, 1);
    count(this.#queued, waiter.key, -1);
  }

  /**
   * Closes every pooled channel; requests still running on them fail, and so do waiting ones
   * (undici refuses them at once: their visitors hear that the tunnel went away). Safe to call twice.
   */
  destroy(): void {
    this.pool.destroy().catch(() => {});
    this.#queued.clear();
    for (const waiter of this.#waiting.splice(0)) {
      clearTimeout(waiter.timer);
      this.#start(waiter.visitor, waiter.key, waiter.options, waiter.handler);
    }
  }
}

/** Adds `delta` to a visitor's count, forgetting visitors at 0. */
function count(counts: Map<string, number>, key: string, delta: number): void {
  const now = (counts.get(key) ?? 0) + delta;
  if (now === 0) counts.delete(key);
  else counts.set(key, now);
}

/** HTTPS verdicts kept for reconnects: ~100 bytes each. */
const TLS_VERDICTS_KEPT = 10_000;

/**
 * One TunnelPool per live tunnel. A pool is dropped (its channels closed) when its tunnel leaves
 * the registry: checked on every lookup (a reconnect under the same name gets a new pool) and by a
 * periodic sweep for names nobody requests any more.
 */
export class TunnelPools {
  readonly #registry: TunnelRegistry;
  readonly #pools = new Map<string, TunnelPool>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #limits: PoolLimits;
  readonly #logger: Logger | undefined;
  /** Names whose app answers in HTTPS, and whose app it is (userId), oldest first; see poolFor. */
  readonly #appsOnTls = new Map<string, string>();

  constructor(
    registry: TunnelRegistry,
    limits: PoolLimits = DEFAULT_POOL_LIMITS,
    logger: Logger | undefined = undefined,
    sweepIntervalMs = 5_000,
  ) {
    this.#registry = registry;
    this.#limits = limits;
    this.#logger = logger;
    this.#sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** The pool for this tunnel, replacing one left over from a previous tunnel of the same name. */
  poolFor(tunnel: Tunnel): TunnelPool {
    const current = this.#pools.get(tunnel.name);
    if (current?.tunnel === tunnel) return current;
    current?.destroy();
    // A name whose app answered in HTTPS starts its next tunnel (a reconnect) in HTTPS, if it is the
    // same owner's: its first request is not the one that finds out again. Random names reconnect
    // too (within BURROW_RANDOM_NAME_HOURS), hence the cap: the oldest verdict goes first.
    const tls = {
      appTls: this.#appsOnTls.get(tunnel.name) === tunnel.userId,
      onChange: (on: boolean) => {
        this.#appsOnTls.delete(tunnel.name);
        if (on) this.#appsOnTls.set(tunnel.name, tunnel.userId);
        if (this.#appsOnTls.size > TLS_VERDICTS_KEPT)
          this.#appsOnTls.delete(this.#appsOnTls.keys().next().value!);
      },
    };
    const pool = new TunnelPool(tunnel, this.#limits, tls, this.#logger);
    this.#pools.set(tunnel.name, pool);
    return pool;
  }

  /** Drops pools whose tunnel is no longer the registered one. */
  sweep(): void {
    for (const [name, pool] of this.#pools) {
      if (this.#registry.get(name) !== pool.tunnel) {
        pool.destroy();
        this.#pools.delete(name);
      }
    }
  }

  /** Closes every pooled channel; for shutdown. Safe to call twice. */
  destroyAll(): void {
    clearInterval(this.#sweeper);
    for (const pool of this.#pools.values()) pool.destroy();
    this.#pools.clear();
  }

  get size(): number {
    return this.#pools.size;
  }
}
