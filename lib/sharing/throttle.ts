/**
 * Fixed-window attempt counter for wrong tunnel passwords: a per-(IP, name) limit, and a per-name
 * ceiling so that many IPs trying one name are throttled too. In memory: a relay restart resets it,
 * which is acceptable for a brute-force brake (argon2 keeps each guess expensive anyway).
 */
export interface ThrottleOptions {
  perClient: number;
  perName: number;
  windowMs: number;
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

export class AttemptThrottle {
  readonly #options: Required<ThrottleOptions>;
  readonly #windows = new Map<string, Window>();

  constructor(options: ThrottleOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** Seconds to wait when this client may not try this name now; 0 when it may. */
  retryAfter(clientIp: string, name: string): number {
    const now = this.#options.now();
    const waits = [
      this.#wait(`c:${clientIp}:${name}`, this.#options.perClient, now),
      this.#wait(`n:${name}`, this.#options.perName, now),
    ];
    return Math.max(...waits);
  }

  /**
   * Starts an attempt: returns the seconds to wait when this client may not try now, else counts the
   * attempt up front and returns 0. Counting before the (slow, async) password check means a burst of
   * parallel guesses cannot all slip past the limit; call `forgive` when the password was right, so
   * scripts that send the right password on every request are never throttled.
   */
  attempt(clientIp: string, name: string): number {
    const wait = this.retryAfter(clientIp, name);
    if (wait > 0) return wait;
    this.fail(clientIp, name);
    return 0;
  }

  /** Takes back one attempt counted by `attempt` (the password was right). */
  forgive(clientIp: string, name: string): void {
    const now = this.#options.now();
    for (const key of [`c:${clientIp}:${name}`, `n:${name}`]) {
      const window = this.#windows.get(key);
      if (window && window.resetAt > now && window.count > 0) window.count -= 1;
    }
  }

  /** Records one failed attempt. */
  fail(clientIp: string, name: string): void {
    const now = this.#options.now();
    this.#bump(`c:${clientIp}:${name}`, now);
    this.#bump(`n:${name}`, now);
    if (this.#windows.size > 100_000) this.#sweep(now);
  }

  #wait(key: string, limit: number, now: number): number {
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= now || window.count < limit) return 0;
    return Math.ceil((window.resetAt - now) / 1000);
  }

  #bump(key: string, now: number): void {
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= now) {
      this.#windows.set(key, { count: 1, resetAt: now + this.#options.windowMs });
    } else {
      window.count += 1;
    }
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}
