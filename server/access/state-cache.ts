import type { NameAccessState } from "../../lib/sharing/relay-access.ts";

export interface AccessStateCacheOptions {
  load(name: string): Promise<NameAccessState>;
  /** How long a loaded state is trusted without hearing from the dashboard (the revocation bound). */
  ttlMs: number;
  /** Names kept at most; the oldest entry goes first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  state: NameAccessState;
  loadedAt: number;
}

/**
 * Per-name access state with a short TTL. Two things make revocation quick: `invalidate` (called
 * on the dashboard's access-changed notification) drops a name at once, and the TTL bounds how stale
 * a state can get when a notification is lost (the LISTEN connection dropped, say). Concurrent
 * misses for one name share one query.
 */
export class AccessStateCache {
  readonly #options: Required<AccessStateCacheOptions>;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<NameAccessState>>();

  constructor(options: AccessStateCacheOptions) {
    this.#options = { maxEntries: 10_000, now: Date.now, ...options };
  }

  /** The cached state when it is still fresh: the synchronous fast path, no promise allocated. */
  peek(name: string): NameAccessState | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    if (this.#options.now() - entry.loadedAt < this.#options.ttlMs) return entry.state;
    this.#entries.delete(name);
    return undefined;
  }

  /** The fresh state, loading it when needed. Rejects when the database cannot be reached. */
  get(name: string): Promise<NameAccessState> {
    const fresh = this.peek(name);
    if (fresh) return Promise.resolve(fresh);
    const pending = this.#loading.get(name);
    if (pending) return pending;
    const loadedAt = this.#options.now();
    const loading = this.#options.load(name).then(
      (state) => {
        // Stored only if no invalidate() came in meanwhile: then this result may predate the change.
        if (this.#loading.get(name) === loading) {
          this.#loading.delete(name);
          this.#store(name, { state, loadedAt });
        }
        return state;
      },
      (error: unknown) => {
        if (this.#loading.get(name) === loading) this.#loading.delete(name);
        throw error;
      },
    );
    this.#loading.set(name, loading);
    return loading;
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
