import type { Logger } from "../../lib/logger.ts";
import type { NameAccessState } from "../../lib/sharing/relay-access.ts";
import type { Exchange, ExchangeWatcher } from "../http/exchange.ts";
import { CLOSE_POLICY_VIOLATION } from "../http/websocket-goodbye.ts";
import { errorText } from "../sessions/session-recorder.ts";

/**
 * Whether an open connection's visitor may still be there, by the name's current state: admitted
 * until `until` (a share link's expiry, milliseconds since the epoch; null for no end in sight),
 * or no longer.
 */
export type ConnectionVerdict = { admitted: true; until: number | null } | { admitted: false };

export interface OpenConnectionsOptions {
  /** The name's current access state (the gate's cache; `scope`: the exchange's tunnel). */
  state(name: string, scope: object | undefined): Promise<NameAccessState>;
  /** Checks a connection against a state with what its visitor was admitted with. */
  admits(exchange: Exchange, state: NameAccessState): ConnectionVerdict | Promise<ConnectionVerdict>;
  logger: Logger;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

interface Watched {
  readonly exchange: Exchange;
  /** Wakes the check at its share link's expiry. */
  timer: NodeJS.Timeout | undefined;
}

/** setTimeout's longest delay (about 24.8 days): a later expiry is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The long-lived exchanges the gate let through (WebSockets once switched, event streams, long
 * responses), by name. The gate checks each request once, when it arrives; these last for hours,
 * so when a name's access changes (the dashboard's `access-changed`) or a share link one of them
 * came with reaches its expiry, each is checked again against the name's new state, and those
 * whose visitor would no longer be let in are cut: the visitor's connection is destroyed, which
 * closes the tunnel channel behind it, and the log row says `access_revoked`.
 */
export class OpenConnections implements ExchangeWatcher {
  readonly #options: OpenConnectionsOptions;
  readonly #now: () => number;
  readonly #byName = new Map<string, Map<Exchange, Watched>>();

  constructor(options: OpenConnectionsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Checked at once too: the access may have changed between the request's check and its answer
   * (an app takes its time to accept a WebSocket), and its link's expiry is timed from here.
   */
  opened(exchange: Exchange): void {
    if (exchange.finished || !exchange.visitorSocket) return;
    let open = this.#byName.get(exchange.name);
    if (!open) {
      open = new Map();
      this.#byName.set(exchange.name, open);
    }
    if (open.has(exchange)) return;
    const watched: Watched = { exchange, timer: undefined };
    open.set(exchange, watched);
    void this.#check([watched]);
  }

  ended(exchange: Exchange): void {
    const open = this.#byName.get(exchange.name);
    const watched = open?.get(exchange);
    if (!open || !watched) return;
    clearTimeout(watched.timer);
    open.delete(exchange);
    if (open.size === 0) this.#byName.delete(exchange.name);
  }

  /** How many connections of a name are open and followed (tests, diagnostics). */
  count(name: string): number {
    return this.#byName.get(name)?.size ?? 0;
  }

  /** Cuts the open connections of a name that `which` picks (their visitor signed out); how many. */
  end(name: string, which: (exchange: Exchange) => boolean): number {
    const open = this.#byName.get(name);
    if (!open) return 0;
    const ending = [...open.values()].filter(
      (watched) => !watched.exchange.finished && which(watched.exchange),
    );
    for (const watched of ending) this.#cut(watched);
    return ending.length;
  }

  /** Checks every open connection of a name again (its access changed); resolves when done. */
  recheck(name: string): Promise<void> {
    const open = this.#byName.get(name);
    return open ? this.#check([...open.values()]) : Promise.resolve();
  }

  /** Checks every open connection again (changes may have gone unannounced). */
  recheckAll(): Promise<void> {
    return Promise.all([...this.#byName.keys()].map((name) => this.recheck(name))).then(() => undefined);
  }

  /** Stops the expiry timers; connections are left to the edge's own shutdown. Safe to call twice. */
  close(): void {
    for (const open of this.#byName.values())
      for (const watched of open.values()) clearTimeout(watched.timer);
    this.#byName.clear();
  }

  async #check(list: Watched[]): Promise<void> {
    await Promise.all(
      list.map(async (watched) => {
        const { exchange } = watched;
        let verdict: ConnectionVerdict;
        try {
          const state = await this.#options.state(exchange.name, exchange.tunnel);
          verdict = await this.#options.admits(exchange, state);
        } catch (error) {
          // The database is unreachable: like new requests with the last state known, the
          // connection stays; the next change or expiry looks again.
          this.#options.logger.warn("could not check an open connection's access", {
            name: exchange.name,
            error: errorText(error),
          });
          return;
        }
        if (exchange.finished || this.#byName.get(exchange.name)?.get(exchange) !== watched) return;
        if (!verdict.admitted) this.#cut(watched);
        else this.#wakeAt(watched, verdict.until);
      }),
    );
  }

  #wakeAt(watched: Watched, until: number | null): void {
    clearTimeout(watched.timer);
    watched.timer = undefined;
    if (until === null) return;
    // At least 1 ms: a timer may fire a moment before the clock reads the expiry.
    const delay = Math.min(Math.max(until - this.#now(), 1), MAX_TIMER_MS);
    watched.timer = setTimeout(() => void this.#check([watched]), delay);
    // An expiry far ahead must not keep the process alive.
    watched.timer.unref();
  }

  #cut(watched: Watched): void {
    const { exchange } = watched;
    this.ended(exchange);
    // Set before the socket closes: the proxy's own close handlers keep an error already set.
    exchange.error = "access_revoked";
    // A WebSocket is told why (a browser shows 1008, not a dropped connection); its channel goes
    // with the visitor's socket.
    if (!exchange.goodbye?.say(CLOSE_POLICY_VIOLATION, "Access to this tunnel ended")) {
      exchange.visitorSocket?.destroy();
    }
  }
}
