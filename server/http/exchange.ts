import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import type { Admission } from "../../lib/db.ts";
import { BODY_KEEP_BYTES, frameTimesText, type KeptBodies } from "../../lib/request-logs/bodies.ts";
import { decodableEncoding, decompressStart } from "../../lib/request-logs/decompress.ts";
import { captureHeaders } from "../../lib/request-logs/headers.ts";
import { headerValue } from "../../lib/request-logs/replay-rules.ts";
import {
  type AccessPage,
  capLogPath,
  capUserAgent,
  type NewRequestLog,
  openStreamKey,
  type RequestLogEnd,
  type RequestLogError,
  withoutBodies,
} from "../../lib/request-logs/row.ts";
import { websocketSearchText } from "../../lib/request-logs/websocket-search.ts";
import { deflateOf } from "../../lib/request-logs/websocket-view.ts";
import { truncate } from "../../lib/web/format.ts";
import type { LogWriter } from "../log-writer.ts";
import type { Tunnel } from "../registry.ts";
import type { Dispatch } from "./dispatch.ts";
import type { WebSocketGoodbye } from "./websocket-goodbye.ts";

/**
 * One visitor request (or upgrade) to a tunnel name, from arrival to the end of its response: what
 * the request log, the tunnel's counters and the client's terminal line are made of. Mutable on
 * purpose: the proxy fills it in as the exchange progresses, and it is finished exactly once.
 */
export interface Exchange {
  readonly name: string;
  readonly tunnel: Tunnel | undefined;
  readonly method: string;
  /** The path as forwarded (after any rewrite by the access check), so tokens never reach the log. */
  path: string;
  /**
   * Date.now() at arrival (a number: most exchanges never need a Date object). Set again only for
   * an event stream held while its tunnel was down: see servedAfterHold.
   */
  atMs: number;
  /** performance.now() at arrival. */
  start: number;
  readonly clientIp: string;
  readonly userAgent: string | undefined;
  /** The visitor's raw header list (Node's rawHeaders), turned into log text only when finished. */
  readonly requestHeaders: readonly string[] | undefined;
  /** The app's response header list, once it answered (the relay's own pages leave it unset). */
  responseHeaders: readonly string[] | undefined;
  readonly upgrade: boolean;
  admission: Admission;
  shareLinkId: string | null;
  /** 0 until a status is known. */
  status: number;
  bytesIn: number;
  bytesOut: number;
  error: RequestLogError | null;
  /** Set when one of the relay's access pages answered instead of the app. */
  accessPage: AccessPage | null;
  /** The start of both bodies, when the name keeps bodies and the request was forwarded. */
  bodies: KeptBodies | null;
  /** For a replay: the id of the logged request it was sent from. */
  replayOf: string | null;
  /** Set when its row was written open (ExchangeRecorder.open): finish() then writes its end. */
  streamKey: string | null;
  /** Its place among the recorder's responses under way (ExchangeRecorder.responding), or -1. */
  respondingSlot: number;
  /**
   * The visitor's connection (the socket its request came on), what is destroyed to end the
   * exchange early; unset for a replay, which has no visitor.
   */
  readonly visitorSocket: Duplex | undefined;
  /**
   * Told when the exchange becomes long-lived and when it ends: the access gate, which closes open
   * connections whose visitor's access ended (set once the gate let the request through).
   */
  watcher: ExchangeWatcher | null;
  /** Set once a WebSocket switched: how the relay ends it with a close frame (access ended, shutdown). */
  goodbye: WebSocketGoodbye | null;
  finished: boolean;
}

/**
 * Follows exchanges that may stay open for hours (a WebSocket once switched, an event stream, a
 * long response written open), from ExchangeRecorder.open to ExchangeRecorder.finish.
 */
export interface ExchangeWatcher {
  /** The exchange became long-lived; may be told more than once for the same exchange. */
  opened(exchange: Exchange): void;
  /** The exchange finished (told for every exchange that has this watcher). */
  ended(exchange: Exchange): void;
}

/** What is known about an exchange when its request arrives. */
export interface ExchangeStart {
  name: string;
  tunnel: Tunnel | undefined;
  method: string;
  path: string;
  clientIp: string;
  userAgent: string | undefined;
  requestHeaders: readonly string[] | undefined;
  upgrade: boolean;
  visitorSocket?: Duplex;
}

/** Starts an exchange for a request that arrived just now. */
export function startExchange(fields: ExchangeStart): Exchange {
  // Written out (no spread) so every exchange has the same shape: this runs once per request.
  return {
    name: fields.name,
    tunnel: fields.tunnel,
    method: fields.method,
    path: fields.path,
    atMs: Date.now(),
    start: performance.now(),
    clientIp: fields.clientIp,
    userAgent: fields.userAgent,
    requestHeaders: fields.requestHeaders,
    responseHeaders: undefined,
    upgrade: fields.upgrade,
    admission: "PUBLIC",
    shareLinkId: null,
    status: 0,
    bytesIn: 0,
    bytesOut: 0,
    error: null,
    accessPage: null,
    bodies: null,
    replayOf: null,
    streamKey: null,
    respondingSlot: -1,
    visitorSocket: fields.visitorSocket,
    watcher: null,
    goodbye: null,
    finished: false,
  };
}

/**
 * An event stream held while its tunnel was down (online-wait.ts) went on, dispatched again, once
 * the tunnel came back: its row says when the visitor asked, and its time counts the wait. The
 * held exchange is not logged: it is the same request. Returns `dispatch`.
 */
export function servedAfterHold(dispatch: Dispatch, held: Exchange | undefined): Dispatch {
  const served = dispatch.kind === "page" || dispatch.kind === "loop" ? undefined : dispatch.exchange;
  if (served && held) {
    served.atMs = held.atMs;
    served.start = held.start;
  }
  return dispatch;
}

/** How an event stream held for its tunnel (online-wait.ts) ended without reaching the app. */
export type HeldStreamEnd = "dropped" | "left" | "shutdown";

/**
 * Marks a held event stream (see servedAfterHold) that never reached the app, for its row: dropped
 * without an answer (status 444, so its EventSource retries), by the relay shutting down, or its
 * visitor gone first (499, as finish() logs any request whose visitor left unanswered).
 */
export function heldStreamEnded(exchange: Exchange, how: HeldStreamEnd): Exchange {
  if (how === "left") {
    exchange.error = "client_aborted";
    return exchange;
  }
  exchange.status = DROPPED_STATUS;
  exchange.error = how === "shutdown" ? "relay_shutdown" : "stream_dropped";
  return exchange;
}

/**
 * Records that the relay answered an exchange itself with this page (offline, access pages, 502):
 * its status, and its body as the bytes the visitor received, so the log's size is what went out.
 */
export function answeredByRelay(exchange: Exchange, page: { status: number; body: Buffer }): void {
  exchange.status = page.status;
  // Node writes no body for HEAD, whatever res.end() is given.
  exchange.bytesOut = exchange.method === "HEAD" && !exchange.upgrade ? 0 : page.body.length;
}

/** An open exchange's row is brought up to date at most this often, however many ask. */
const CHECKPOINT_MS = 1_000;

/**
 * How often the rows of open connections that moved bytes are brought up to date unasked
 * (ExchangeRecorder.progress): the log shows how far a long WebSocket or event stream has got.
 */
export const OPEN_PROGRESS_MS = 60_000;

/** An exchange whose row was written open, with when it was last brought up to date and the bytes it had moved then. */
interface OpenExchange {
  readonly exchange: Exchange;
  checkpointedAt: number;
  bytes: number;
}

function movedBytes(exchange: Exchange): number {
  return exchange.bytesIn + exchange.bytesOut;
}

/** An exchange of this name keeps what it kept so far and nothing more. */
function stopKeeping(exchange: Exchange, name: string): void {
  if (exchange.name !== name || !exchange.bodies) return;
  exchange.bodies.request.stop();
  exchange.bodies.response.stop();
}

/** Nginx's convention for "the client closed the connection before a response was sent". */
const CLIENT_CLOSED_STATUS = 499;
/** Nginx's convention for "the server closed the connection without sending a response". */
const DROPPED_STATUS = 444;

const NOTE: Partial<Record<RequestLogError, string>> = {
  local_unreachable: "nothing answers on the local port",
  local_closed: "your app closed the connection without answering",
  local_not_http: "what answers on the local port does not speak HTTP",
  local_socks: "your -R has no local address: ssh made it a SOCKS proxy",
  local_headers_too_large: "your app's response headers are over 64 KiB",
  local_bad_response: "your app's answer is not valid HTTP",
  local_tls: "your app answers in HTTPS; HTTPS from now on, this request must be sent again",
  tunnel_loop: "came back to the relay: your -R points at the relay, not your app",
  tunnel_unresponsive: "your ssh client did not answer in time",
  upstream_aborted: "response cut short",
  client_aborted: "visitor went away",
  tunnel_busy: "tunnel busy: too many requests open at once",
  replay_stopped: "stopped reading after 30 s",
  access_revoked: "closed by Burrow: the visitor's access ended",
  relay_shutdown: "the relay was shutting down and closed it",
  stream_dropped: "held while the tunnel was down, then dropped so the browser retries",
};

/**
 * Finishes exchanges: queues the log row (when logging is on), adds the traffic to the tunnel's
 * counters and prints the short live line on the client's terminal. Never waits for anything.
 */
export class ExchangeRecorder {
  readonly #logWriter: LogWriter | undefined;
  readonly #logHeaders: boolean;
  /** Exchanges whose row was written open, by key. */
  readonly #open = new Map<string, OpenExchange>();
  /**
   * Ordinary requests under way, not written open (yet): waiting for the app's answer, or its
   * headers sent and its body still going.
   */
  readonly #responding: (Exchange | undefined)[] = [];
  /**
   * Free places in #responding. Slots, not a Set: at 64 busy connections a Set that every response
   * joined and left made V8 promote about 0.5 KB a request to its old generation, six times what
   * the rest of the request path promotes (--trace-gc-nvp: 67 MB against 9 MB per 100,000 requests).
   */
  readonly #freeSlots: number[] = [];
  /**
   * Names whose kept bodies their owner deleted, with when (performance.now()): an exchange that
   * started before then keeps nothing, so the deletion also covers requests under way and
   * connections still open, whose rows are written (or finished) later.
   */
  readonly #bodiesDeletedAt = new Map<string, number>();
  /**
   * Exchanges under way whose names keep bodies (see keeping): what turning Keep bodies off
   * reaches, from an upload still arriving to a WebSocket open for hours. A Set is fine here: only
   * names that opted in join it, and their bodies' copies cost far more than its entries.
   */
  readonly #keeping = new Set<Exchange>();

  /** `logHeaders` (BURROW_LOG_HEADERS): keep request and response headers in the log rows. */
  constructor(logWriter: LogWriter | undefined, { logHeaders = true }: { logHeaders?: boolean } = {}) {
    this.#logWriter = logWriter;
    this.#logHeaders = logHeaders;
  }

  /**
   * Writes the row of an exchange that may stay open for hours (a WebSocket once switched, an
   * event stream once its headers arrived) now, marked open, so its owner sees it in the log while
   * it lasts; finish() then writes its end (time, bytes, kept bodies) over it. Once per exchange.
   * Its watcher (the access gate) hears of it whether or not requests are logged.
   */
  open(exchange: Exchange): void {
    if (exchange.finished) return;
    if (exchange.streamKey !== null) {
      this.#answered(exchange);
      return;
    }
    // An event stream's head: it was waiting (see waiting), and now is open for good.
    this.#leave(exchange);
    exchange.watcher?.opened(exchange);
    if (!this.#logWriter) return;
    exchange.streamKey = openStreamKey();
    this.#open.set(exchange.streamKey, { exchange, checkpointedAt: 0, bytes: movedBytes(exchange) });
    // What was kept so far stays with the exchange: the end carries all of it.
    const row = this.#row(exchange, performance.now() - exchange.start, null);
    row.open = true;
    row.streamKey = exchange.streamKey;
    this.#logWriter.push(row);
  }

  /**
   * The request went to the app (or waits for a connection to it): if no answer has come when
   * openLongResponses next looks BURROW_LOG_WAITING_AFTER_SECONDS after its arrival (the edge's
   * longResponseMs), its row is written open with status 0, so its owner sees a request their app
   * holds (a hung endpoint, a long poll) while it waits, and the answer completes that row. A quick
   * request costs a slot here, no write.
   */
  waiting(exchange: Exchange): void {
    if (exchange.finished || exchange.streamKey !== null) return;
    this.#underWay(exchange);
  }

  /**
   * The app's answer to an ordinary request started: if it is still being sent when
   * openLongResponses next looks BURROW_LOG_WAITING_AFTER_SECONDS after its arrival, its row is
   * written open. A row written open while the request waited gets the answer's status and headers
   * now.
   */
  responding(exchange: Exchange): void {
    if (exchange.finished) return;
    if (exchange.streamKey !== null) {
      this.#answered(exchange);
      return;
    }
    this.#underWay(exchange);
  }

  #underWay(exchange: Exchange): void {
    // Without a log, only a watcher needs to hear that it lasted (see open).
    if (!this.#logWriter && !exchange.watcher) return;
    if (exchange.respondingSlot >= 0) return;
    const slot = this.#freeSlots.pop() ?? this.#responding.length;
    this.#responding[slot] = exchange;
    exchange.respondingSlot = slot;
  }

  /** Writes open the rows of responses (see responding) under way for at least `minAgeMs`. */
  openLongResponses(minAgeMs: number): void {
    const now = performance.now();
    for (const exchange of this.#responding) {
      if (!exchange || now - exchange.start < minAgeMs) continue;
      this.#leave(exchange);
      this.open(exchange);
    }
  }

  /** An exchange that keeps bodies started: turning Keep bodies off reaches it until it finishes. */
  keeping(exchange: Exchange): void {
    if (exchange.bodies && !exchange.finished) this.#keeping.add(exchange);
  }

  finish(exchange: Exchange): void {
    if (exchange.finished) return;
    exchange.finished = true;
    this.#leave(exchange);
    exchange.watcher?.ended(exchange);
    if (this.#keeping.size > 0) this.#keeping.delete(exchange);
    this.#dropDeletedBodies(exchange);
    const durationMs = performance.now() - exchange.start;
    if (exchange.status === 0) exchange.status = CLIENT_CLOSED_STATUS;
    const entry =
      exchange.streamKey === null ? this.#row(exchange, durationMs) : this.#end(exchange, durationMs, true);
    if (exchange.streamKey !== null) this.#open.delete(exchange.streamKey);
    // The row has its copy (hex): what was kept no longer counts against the relay's allowance.
    exchange.bodies?.request.release();
    exchange.bodies?.response.release();
    const decoding = this.#logWriter ? searchableText(exchange) : null;
    if (decoding) {
      // Decoded for searching, in zlib's thread pool: the row waits a moment, the relay does not.
      const writer = this.#logWriter!;
      void decoding.then((decoded) => {
        // The owner may have deleted the name's kept bodies while this was decoded.
        if (this.#bodiesDeletedSince(exchange)) withoutBodies(entry);
        else entry.responseBodyDecoded = decoded?.toString("hex") ?? null;
        writer.push(entry);
      });
    } else {
      this.#logWriter?.push(entry);
    }
    const tunnel = exchange.tunnel;
    if (!tunnel) return;
    tunnel.recordRequest(exchange.bytesIn, exchange.bytesOut);
    tunnel.notify(terminalLine(exchange, durationMs));
  }

  /**
   * Brings the row of an exchange still open up to date (time, bytes, kept bodies and their times
   * so far), for someone watching it in the dashboard; at most once a second each. False when no
   * such exchange is open here (it closed, or another relay has it).
   */
  checkpoint(streamKey: string): boolean {
    const open = this.#open.get(streamKey);
    if (!open || !this.#logWriter) return false;
    const now = performance.now();
    if (now - open.checkpointedAt < CHECKPOINT_MS) return true;
    this.#update(open, now);
    return true;
  }

  /**
   * Brings the rows of open connections that moved bytes since their last update up to date, as a
   * checkpoint does: the edge calls this every OPEN_PROGRESS_MS, so the log shows how far a long
   * WebSocket or event stream has got without anyone watching it. One small update per busy
   * connection each time; quiet ones cost nothing.
   */
  progress(): void {
    if (!this.#logWriter) return;
    const now = performance.now();
    for (const open of this.#open.values())
      if (movedBytes(open.exchange) !== open.bytes) this.#update(open, now);
  }

  /** The app answered a request whose row was written open while it waited: the row says so at once. */
  #answered(exchange: Exchange): void {
    const open = exchange.streamKey === null ? undefined : this.#open.get(exchange.streamKey);
    if (open) this.#update(open, performance.now());
  }

  #update(open: OpenExchange, now: number): void {
    open.checkpointedAt = now;
    open.bytes = movedBytes(open.exchange);
    this.#logWriter?.push(this.#end(open.exchange, now - open.exchange.start, false));
  }

  /**
   * The owner deleted this name's kept bodies: what the exchanges under way kept is forgotten now
   * (connections still open keep nothing more), and the rows still queued lose theirs, so nothing
   * kept before the deletion reaches the log after it.
   */
  bodiesDeleted(name: string): void {
    this.#bodiesDeletedAt.set(name, performance.now());
    for (const { exchange } of this.#open.values())
      if (exchange.name === name) this.#dropDeletedBodies(exchange);
    this.#logWriter?.dropBodies(name);
  }

  /**
   * The owner turned Keep bodies off: exchanges of the name under way (an upload still arriving, a
   * download still going, a connection still open) keep what they kept and nothing more; the next
   * requests keep none, by the access state the relay then reads again.
   */
  keepingStopped(name: string): void {
    for (const exchange of this.#keeping) stopKeeping(exchange, name);
  }

  /** Takes an exchange out of #responding, if it is there. */
  #leave(exchange: Exchange): void {
    const slot = exchange.respondingSlot;
    if (slot < 0) return;
    this.#responding[slot] = undefined;
    this.#freeSlots.push(slot);
    exchange.respondingSlot = -1;
  }

  #bodiesDeletedSince(exchange: Exchange): boolean {
    const deletedAt = this.#bodiesDeletedAt.get(exchange.name);
    return deletedAt !== undefined && deletedAt >= exchange.start;
  }

  #dropDeletedBodies(exchange: Exchange): void {
    if (!exchange.bodies || !this.#bodiesDeletedSince(exchange)) return;
    exchange.bodies.request.discard();
    exchange.bodies.response.discard();
    exchange.bodies = null;
  }

  /** The end of a row written open (or, not final, a checkpoint): what changed since. */
  #end(exchange: Exchange, durationMs: number, final: boolean): RequestLogEnd {
    return {
      kind: "end",
      final,
      streamKey: exchange.streamKey!,
      name: exchange.name,
      status: exchange.status,
      responseHeaders: this.#logHeaders ? captureHeaders(exchange.responseHeaders) : null,
      durationMs,
      bytesIn: exchange.bytesIn,
      bytesOut: exchange.bytesOut,
      error: exchange.error,
      requestBody: exchange.bodies?.request.hex() ?? null,
      // Only what the app sent: none when the relay answered in its place.
      responseBody: exchange.responseHeaders ? (exchange.bodies?.response.hex() ?? null) : null,
      responseBodyDecoded: null,
      frameTimes: exchange.bodies ? frameTimesText(exchange.bodies) : null,
    };
  }

  /** The exchange's row, with the kept `bodies` (none for a row written open). */
  #row(exchange: Exchange, durationMs: number, bodies: KeptBodies | null = exchange.bodies): NewRequestLog {
    // Only what the app sent: none when the relay answered in its place.
    const responseBody = exchange.responseHeaders ? bodies?.response : undefined;
    return {
      at: new Date(exchange.atMs),
      name: exchange.name,
      sessionId: exchange.tunnel?.sessionId ?? null,
      method: exchange.method,
      path: capLogPath(exchange.path),
      status: exchange.status,
      durationMs,
      bytesIn: exchange.bytesIn,
      bytesOut: exchange.bytesOut,
      clientIp: exchange.clientIp,
      userAgent: capUserAgent(exchange.userAgent),
      upgrade: exchange.upgrade,
      admission: exchange.admission,
      shareLinkId: exchange.shareLinkId,
      error: exchange.error,
      accessPage: exchange.accessPage,
      requestHeaders: this.#logHeaders ? captureHeaders(exchange.requestHeaders) : null,
      responseHeaders: this.#logHeaders ? captureHeaders(exchange.responseHeaders) : null,
      requestBody: bodies?.request.hex() ?? null,
      responseBody: responseBody?.hex() ?? null,
      responseBodyDecoded: null,
      replayOf: exchange.replayOf,
      frameTimes: bodies ? frameTimesText(bodies) : null,
      open: false,
      streamKey: null,
    };
  }
}

/**
 * What a search of bodies should find besides the kept bytes, when those do not say it as they
 * are: a compressed answer's start decoded, or a WebSocket's messages as text (browsers mask
 * theirs, servers often compress). Null when there is nothing to decode.
 */
function searchableText(exchange: Exchange): Promise<Buffer | null> | null {
  const bodies = exchange.bodies;
  const headers = exchange.responseHeaders;
  if (!bodies || !headers) return null;
  if (exchange.upgrade) {
    if (exchange.status !== 101 || bodies.request.kept + bodies.response.kept === 0) return null;
    return websocketSearchText(
      { request: bodies.request.bytes(), response: bodies.response.bytes() },
      deflateOf(headerValue(headers, "sec-websocket-extensions") ?? null),
    );
  }
  const encoding = bodies.response.kept > 0 ? decodableEncoding(headers) : null;
  return encoding ? decompressStart(bodies.response.bytes(), encoding, BODY_KEEP_BYTES) : null;
}

/**
 * "GET /path 200 3.1ms", the path kept short. It comes from a visitor and is printed on someone's
 * terminal: the terminal's print() replaces control characters in every line it writes (sanitize in
 * server/ssh/terminal.ts), so they are not looked for twice here.
 */
export function terminalLine(exchange: Exchange, durationMs: number): string {
  const note = exchange.error ? NOTE[exchange.error] : undefined;
  return `${requestLabel(exchange)} ${exchange.status} ${durationMs.toFixed(1)}ms${note ? ` (${note})` : ""}`;
}

/**
 * "GET (upgrade) /ws 101 open": said when a WebSocket or event stream starts, since its
 * terminalLine comes only when it ends, maybe hours later (a dev server's live reload, say).
 */
export function openLine(exchange: Exchange): string {
  return `${requestLabel(exchange)} ${exchange.status} open`;
}

/** "GET /path", "GET (upgrade) /path", "POST (replay) /path", the path kept short. */
export function requestLabel(exchange: Exchange): string {
  const path = truncate(exchange.path, 80);
  const method = exchange.upgrade
    ? `${exchange.method} (upgrade)`
    : exchange.admission === "REPLAY"
      ? `${exchange.method} (replay)`
      : exchange.method;
  return `${method} ${path}`;
}
