import type { Db } from "../../lib/db.ts";
import { randomNameHolder, randomNameKept } from "../../lib/names/random-hold.ts";

/**
 * Whether a name with no live tunnel is someone's: decides between 503 "offline" and 404.
 * "reserved" also stands for a random name still kept for its user (BURROW_RANDOM_NAME_HOURS): its
 * link is expected to come back, so its visitors hear "offline" rather than "no such tunnel".
 */
export type ReservationState = "reserved" | "unknown" | "unavailable";

/** What the edge needs to know of a name with no live tunnel. */
export interface ReservationInfo {
  state: ReservationState;
  /**
   * Requests to it keep their bodies while it is offline (so they can be replayed later): its owner
   * keeps bodies and the name is open to anyone. A protected name's visitors are not checked while
   * it is offline, and a stranger's post is not worth keeping for its owner to send on.
   */
  keepsBodies: boolean;
  /** A random name kept for its user (no reservation): it gets fewer new HTTPS certificates. */
  random: boolean;
}

const UNKNOWN: ReservationInfo = Object.freeze({ state: "unknown", keepsBodies: false, random: false });
const UNAVAILABLE: ReservationInfo = Object.freeze({
  state: "unavailable",
  keepsBodies: false,
  random: false,
});
const RANDOM_KEPT: ReservationInfo = Object.freeze({ state: "reserved", keepsBodies: false, random: true });

export interface ReservationLookupOptions {
  /** How long an answer is reused. Short: a name reserved a moment ago shows "offline" soon. */
  ttlMs?: number;
  /** A lookup slower than this answers "unavailable" (the database is struggling). */
  timeoutMs?: number;
  /** Cache entries kept at most; the cache is cleared when full (cheap and good enough). */
  maxEntries?: number;
  /** BURROW_RANDOM_NAME_HOURS: how long a closed random name still counts as someone's. */
  randomNameHours?: number;
}

/**
 * Looks names up in the reservations table with a short cache, so a visitor reloading an offline
 * tunnel does not cost a query each time, and concurrent lookups of one name share one query.
 * A database error or timeout yields "unavailable" and is not cached.
 */
export class ReservationLookup {
  readonly #db: Db;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #randomNameHours: number;
  readonly #cache = new Map<string, { info: ReservationInfo; until: number }>();
  readonly #pending = new Map<string, Promise<ReservationInfo>>();

  constructor(db: Db, options: ReservationLookupOptions = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#randomNameHours = options.randomNameHours ?? 24;
  }

  lookup(name: string): Promise<ReservationInfo> {
    const cached = this.#cache.get(name);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached.info);
    const pending = this.#pending.get(name);
    if (pending) return pending;
    const query = this.#query(name).finally(() => this.#pending.delete(name));
    this.#pending.set(name, query);
    return query;
  }

  /** Forgets a name (e.g. after the dashboard reserved or released it). */
  invalidate(name: string): void {
    this.#cache.delete(name);
  }

  async #query(name: string): Promise<ReservationInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#timeoutMs);
    });
    try {
      const found = await Promise.race([
        Promise.all([
          this.#db.reservation.findUnique({
            where: { name },
            select: { keepBodies: true, accessMode: true, allowedIps: true },
          }),
          randomNameHolder(this.#db, name),
        ]),
        timeout,
      ]);
      if (found === "timeout") return UNAVAILABLE;
      const [reservation, random] = found;
      const kept = random !== null && randomNameKept(random, this.#randomNameHours, new Date());
      const info: ReservationInfo = reservation
        ? {
            state: "reserved",
            keepsBodies:
              reservation.keepBodies &&
              reservation.accessMode === "PUBLIC" &&
              reservation.allowedIps.length === 0,
            random: false,
          }
        : kept
          ? RANDOM_KEPT
          : UNKNOWN;
      if (this.#cache.size >= this.#maxEntries) this.#cache.clear();
      this.#cache.set(name, { info, until: Date.now() + this.#ttlMs });
      return info;
    } catch {
      return UNAVAILABLE;
    } finally {
      clearTimeout(timer);
    }
  }
}
