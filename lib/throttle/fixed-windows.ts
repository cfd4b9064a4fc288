/**
 * Fixed-window counters by key: the core of Burrow's brute-force brakes (tunnel passwords in the
 * relay, sign-in on the dashboard). In memory: a restart resets them, which is acceptable for a
 * brake (argon2 keeps each guess expensive anyway). Expired windows are swept once more than
 * `maxKeys` are tracked, so a flood of distinct keys cannot grow memory without bound.
 */
export interface FixedWindowsOptions {
  windowMs: number;
  maxKeys: number;
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

export class FixedWindows {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: FixedWindowsOptions) {
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds until `key` is below `limit` again; 0 when it is now. */
  wait(key: string, limit: number): number {
    const now = this.#now();
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= now || window.count < limit) return 0;
    return Math.ceil((window.resetAt - now) / 1000);
  }

  /** Counts one for `key`, opening a window when none is running. */
  bump(key: string): void {
    const now = this.#now();
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= now) this.#windows.set(key, { count: 1, resetAt: now + this.#windowMs });
    else window.count += 1;
    if (this.#windows.size > this.#maxKeys) this.#sweep(now);
  }

  /** Takes back one count of a running window. */
  unbump(key: string): void {
    const window = this.#windows.get(key);
    if (window && window.resetAt > this.#now() && window.count > 0) window.count -= 1;
  }

  /** Forgets `key` entirely. */
  clear(key: string): void {
    this.#windows.delete(key);
  }

  /** Keys tracked, expired windows included until the next sweep. */
  get size(): number {
    return this.#windows.size;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}
