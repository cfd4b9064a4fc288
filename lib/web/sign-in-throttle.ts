/**
 * Brakes password guessing on the sign-in form: after `perClient` failures for one email from one
 * IP, or `perEmail` failures for one email from anywhere (so rotating IPs does not help), further
 * attempts wait until the window ends. In memory, per dashboard process: a restart resets it, which
 * is acceptable for a brake (argon2 keeps each guess expensive anyway).
 */
export interface SignInThrottleOptions {
  perClient: number;
  perEmail: number;
  windowMs: number;
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

const MAX_TRACKED = 50_000;

export class SignInThrottle {
  readonly #options: Required<SignInThrottleOptions>;
  readonly #windows = new Map<string, Window>();

  constructor(options: SignInThrottleOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** Seconds until this email may be tried again from this IP; 0 when it may now. */
  retryAfter(email: string, ip: string): number {
    const now = this.#options.now();
    return Math.max(
      this.#wait(clientKey(email, ip), this.#options.perClient, now),
      this.#wait(emailKey(email), this.#options.perEmail, now),
    );
  }

  /** Records one failed attempt. */
  fail(email: string, ip: string): void {
    const now = this.#options.now();
    this.#bump(clientKey(email, ip), now);
    this.#bump(emailKey(email), now);
    if (this.#windows.size > MAX_TRACKED) this.#sweep(now);
  }

  /** A successful sign-in clears that client's count (the per-email ceiling stays until it expires). */
  succeed(email: string, ip: string): void {
    this.#windows.delete(clientKey(email, ip));
  }

  #wait(key: string, limit: number, now: number): number {
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= now || window.count < limit) return 0;
    return Math.ceil((window.resetAt - now) / 1000);
  }

  #bump(key: string, now: number): void {
    const window = this.#windows.get(key);
    if (!window || window.resetAt <= now)
      this.#windows.set(key, { count: 1, resetAt: now + this.#options.windowMs });
    else window.count += 1;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}

const clientKey = (email: string, ip: string) => `c:${email.toLowerCase()}:${ip}`;
const emailKey = (email: string) => `e:${email.toLowerCase()}`;
