import type http from "node:http";
import type { TunnelRegistry } from "../registry.ts";

/**
 * The request header of the offline page's script: "tell me when this name is back". Answered by
 * the relay itself, never forwarded or logged, so a tab left open on the offline page neither
 * fills the owner's log nor reaches their app.
 */
export const WAIT_HEADER = "x-burrow-wait";
export const WAIT_VALUE = "online";
/**
 * The answer's header: "online"; "offline" when the wait ran out (the script asks again at once);
 * "busy" when too many are waiting (it asks again in 5 s).
 */
export const TUNNEL_STATE_HEADER = "x-burrow-tunnel";

export interface OnlineWaitOptions {
  /** How long one wait is held before "offline" (under the usual 60 s proxy idle timeouts). */
  timeoutMs?: number;
  /** Waits held at once across the relay; past it a wait is answered "offline" at once. */
  maxWaiting?: number;
}

/** Whether a request is the offline page's wait (a GET with the header, nothing else). */
export function isOnlineWait(req: http.IncomingMessage): boolean {
  return req.method === "GET" && req.headers[WAIT_HEADER] === WAIT_VALUE;
}

/**
 * Holds the offline page's waits until their name's tunnel registers, then answers "online" so the
 * page reloads into the app at once; the registry is the only source, so a tunnel on another relay
 * is seen only once a wait ends and the page asks again.
 */
export class OnlineWaits {
  readonly #registry: TunnelRegistry;
  readonly #timeoutMs: number;
  readonly #maxWaiting: number;
  /** Per name, how to end each of its waits with an answer. */
  readonly #waiting = new Map<string, Set<(state: WaitState) => void>>();
  #count = 0;
  readonly #stopListening: () => void;

  constructor(registry: TunnelRegistry, options: OnlineWaitOptions = {}) {
    this.#registry = registry;
    this.#timeoutMs = options.timeoutMs ?? 25_000;
    this.#maxWaiting = options.maxWaiting ?? 10_000;
    this.#stopListening = registry.onAdded((tunnel) => {
      for (const end of [...(this.#waiting.get(tunnel.name) ?? [])]) end("online");
    });
  }

  /**
   * Answers a wait for `name`: at once when it is online (or too many are waiting), else when it
   * comes online or the wait runs out.
   */
  answer(name: string, res: http.ServerResponse): void {
    this.hold(name, res, (state) => reply(res, state));
  }

  /**
   * Holds a request for `name` until its tunnel registers ("online", at once when it is live), the
   * wait runs out or the relay closes ("offline"), or at once when too many are waiting ("busy"),
   * then calls `then`; calls `left` instead if the visitor leaves first (a held event stream's row
   * says so). One timeout and cap for all waits.
   */
  hold(name: string, res: http.ServerResponse, then: (state: WaitState) => void, left?: () => void): void {
    // Gone while its name was looked up: its 'close' has fired already, and would never end the wait.
    if (res.destroyed) {
      left?.();
      return;
    }
    if (this.#registry.get(name)) {
      then("online");
      return;
    }
    if (this.#count >= this.#maxWaiting) {
      then("busy");
      return;
    }
    let waits = this.#waiting.get(name);
    if (!waits) {
      waits = new Set();
      this.#waiting.set(name, waits);
    }
    const set = waits;
    const end = (state: WaitState | null) => {
      if (!set.delete(end)) return;
      if (set.size === 0) this.#waiting.delete(name);
      this.#count -= 1;
      clearTimeout(timer);
      res.off("close", gone);
      if (state) then(state);
      else left?.();
    };
    const gone = () => end(null);
    const timer = setTimeout(() => end("offline"), this.#timeoutMs);
    timer.unref();
    set.add(end);
    this.#count += 1;
    res.once("close", gone);
  }

  /** Answers every held wait "offline" (the relay is closing; the page asks again later). */
  close(): void {
    this.#stopListening();
    for (const waits of [...this.#waiting.values()]) for (const end of [...waits]) end("offline");
  }
}

/** "busy": too many waits held; the page asks again in a few seconds rather than at once. */
export type WaitState = "online" | "offline" | "busy";

function reply(res: http.ServerResponse, state: WaitState): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(204, { [TUNNEL_STATE_HEADER]: state, "cache-control": "no-store" });
  res.end();
}
