import { FixedWindows } from "../throttle/fixed-windows.ts";

/**
 * Attempt counter for wrong tunnel passwords: a per-(IP, name) limit, and a per-name ceiling so that
 * many IPs trying one name are throttled too. Fixed windows in memory (lib/throttle/fixed-windows.ts).
 */
export interface ThrottleOptions {
  perClient: number;
  perName: number;
  windowMs: number;
  now?: () => number;
}

export class AttemptThrottle {
  readonly #options: ThrottleOptions;
  readonly #windows: FixedWindows;

  constructor(options: ThrottleOptions) {
    this.#options = options;
    this.#windows = new FixedWindows({ windowMs: options.windowMs, maxKeys: 100_000, now: options.now });
  }

  /** Seconds to wait when this client may not try this name now; 0 when it may. */
  retryAfter(clientIp: string, name: string): number {
    return Math.max(
      this.#windows.wait(clientKey(clientIp, name), this.#options.perClient),
      this.#windows.wait(nameKey(name), this.#options.perName),
    );
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
    this.#windows.unbump(clientKey(clientIp, name));
    this.#windows.unbump(nameKey(name));
  }

  /** Records one failed attempt. */
  fail(clientIp: string, name: string): void {
    this.#windows.bump(clientKey(clientIp, name));
    this.#windows.bump(nameKey(name));
  }
}

const clientKey = (ip: string, name: string) => `c:${ip}:${name}`;
const nameKey = (name: string) => `n:${name}`;
