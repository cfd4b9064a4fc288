import type { NameAccessState } from "../../lib/sharing/relay-access.ts";

export interface AccessStateCacheOptions {
  load(name: string): Promise<NameAccessState>;
  /**
   * How long a loaded state is trusted while change notifications may be missed (the relay's
   * control channel is down): the revocation bound then.
   */
  ttlMs: number;
  /**
   * How long while notifications are known to arrive (see setNotified). Every change notifies, so
   * this only bounds what a silent failure (a half-open LISTEN connection) could leave stale.
   * Defaults to ttlMs.
   */
  notifiedTtlMs?: number;
  /**
   * How long a reload is waited for when an earlier state exists (default 250 ms): past it, or when
   * the reload fails, the earlier state answers (see get).
   */
  staleWaitMs?: number;
  /** Names kept at most; the oldest entry goes first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  state: NameAccessState;
  loadedAt: number;
  scope: object | undefined;
}

interface Loading {
  promise: Promise<NameAccessState>;
  scope: object | undefined;
}

/**
 * Per-name access state. Two things make revocation quick: `invalidate` (called on the dashboard's
 * access-changed notification) drops a name at once, and the TTL bounds how stale a state can get
 * when a notification is lost. The TTL is short while notifications may be missed and long while
 * they are known to arrive, so the first request after a quiet spell does not wait for a database
 * query it does not need; a name in use is refreshed in the background before its TTL runs out, so
 * only a name unused for a whole TTL waits. Concurrent misses for one name share one query.
 *
 * A `scope` (the relay passes the live tunnel) ties an entry to what it was loaded for: a state
 * loaded for one tunnel is never used for the next tunnel under that name, which may belong to a
 * new owner of a released name.
 *
 * When a reload fails or hangs (the database is unreachable), the last state loaded for the same
 * scope is used instead, however old: live tunnels keep serving through a database outage, and
 * nobody can change access settings while the database is down anyway. A name dropped by
 * `invalidate` (a change was announced) has no such fallback.
 */
export class AccessStateCache {
  readonly #options: Required<AccessStateCacheOptions>;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Loading>();
  #notified = false;

  constructor(options: AccessStateCacheOptions) {
    this.#options = {
      maxEntries: 10_000,
      now: Date.now,
      notifiedTtlMs: options.ttlMs,
      staleWaitMs: 250,
      ...options,
    };
  }

  /**
   * Whether change notifications are arriving (the control channel's LISTEN is up). Turning it on
   * drops everything cached: changes made while it was off were not notified.
   */
  setNotified(notified: boolean): void {
    if (notified && !this.#notified) this.clear();
    this.#notified = notified;
  }

  /** The cached state when it is still fresh: the synchronous fast path, no promise allocated. */
  peek(name: string, scope?: object): NameAccessState | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    if (entry.scope !== scope) {
      this.#entries.delete(name);
      return undefined;
    }
    const ttl = this.#notified ? this.#options.notifiedTtlMs : this.#options.ttlMs;
    const age = this.#options.now() - entry.loadedAt;
    // An expired entry stays, as the fallback for a failed reload.
    if (age >= ttl) return undefined;
    // Refresh ahead: a name in use is reloaded in the background once half its TTL has passed, so
    // its requests do not wait for the database when the TTL runs out (two queries, 2-5 ms on the
    // request path, measured on the first SSE event). A failed refresh changes nothing: the entry
    // serves until its TTL, and get() then reloads in the open.
    if (age >= ttl / 2 && !this.#loading.has(name)) this.#load(name, scope).catch(() => undefined);
    return entry.state;
  }

  /**
   * The fresh state, loading it when needed. When an earlier state for this scope exists, a reload
   * that fails or takes longer than `staleWaitMs` is not waited for: the earlier state answers.
   * Rejects only when nothing was ever loaded for this scope and the database cannot be reached.
   */
  get(name: string, scope?: object): Promise<NameAccessState> {
    const fresh = this.peek(name, scope);
    if (fresh) return Promise.resolve(fresh);
    const loading = this.#load(name, scope);
    const last = this.#entries.get(name);
    if (!last) return loading;
    return new Promise((resolve, reject) => {
      // Only while `last` is still what the cache holds: after invalidate() it is known to be stale.
      const lastStillHeld = () => this.#entries.get(name) === last;
      const timer = setTimeout(() => {
        if (lastStillHeld()) resolve(last.state);
      }, this.#options.staleWaitMs);
      loading.then(
        (state) => {
          clearTimeout(timer);
          resolve(state);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (lastStillHeld()) resolve(last.state);
          else reject(error);
        },
      );
    });
  }

  #load(name: string, scope: object | undefined): Promise<NameAccessState> {
    const pending = this.#loading.get(name);
    if (pending && pending.scope === scope) return pending.promise;
    const loadedAt = this.#options.now();
    const loading: Loading = { scope, promise: this.#options.load(name) };
    loading.promise = loading.promise.then(
      (state) => {
        // Stored only if no invalidate() came in meanwhile: then this result may predate the change.
        if (this.#loading.get(name) === loading) {
          this.#loading.delete(name);
          this.#store(name, { state, loadedAt, scope });
        }
        return state;
      },
      (error: unknown) => {
        if (this.#loading.get(name) === loading) this.#loading.delete(name);
        throw error;
      },
    );
    this.#loading.set(name, loading);
    return loading.promise;
  }

  /** Forgets a name now, including a load still in flight (its result may be older than the change). */
  invalidate(name: string): void {
    this.#entries.delete(name);
    this.#loading.delete(name);
  }

  clear(): void {
    this.#entries.clear();
    this.#loading.clear();
  }

  #store(name: string, entry: Entry): void {
    this.#entries.delete(name);
    if (this.#entries.size >= this.#options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(name, entry);
  }
}
