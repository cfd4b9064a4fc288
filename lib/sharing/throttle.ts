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

/**
 * How long an address that gave a name's right password stays exempt from that name's ceiling: a
 * day, as long as the access cookie lasts by default.
 */
const PROVEN_MS = 24 * 3_600_000;

export class AttemptThrottle {
  readonly #options: ThrottleOptions;
  readonly #windows: FixedWindows;
  /** Addresses that gave the right password for a name, by clientKey (a count of 1 in a day). */
  readonly #proven: FixedWindows;

  constructor(options: ThrottleOptions) {
    this.#options = options;
    this.#windows = new FixedWindows({ windowMs: options.windowMs, maxKeys: 100_000, now: options.now });
    this.#proven = new FixedWindows({ windowMs: PROVEN_MS, maxKeys: 100_000, now: options.now });
  }

  /**
   * Seconds to wait when this client may not try this name now; 0 when it may. An address that gave
   * the right password within the last day is held to its own limit only, not to the name's
   * ceiling: guesses from many addresses at once (which the ceiling is for) would otherwise also
   * lock out the webhook that sends the password with every request, and the visitors who signed
   * in from there before, for as long as the guessing goes on. Guessing from such an address is
   * still limited per client.
   */
  retryAfter(clientIp: string, name: string): number {
    const key = clientKey(clientIp, name);
    const own = this.#windows.wait(key, this.#options.perClient);
    if (this.#proven.wait(key, 1) > 0) return own;
    return Math.max(own, this.#windows.wait(nameKey(name), this.#options.perName));
  }

  /** Whether this client is over its own limit for this name (not only the name's ceiling). */
  clientLimited(clientIp: string, name: string): boolean {
    return this.#windows.wait(clientKey(clientIp, name), this.#options.perClient) > 0;
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
    const key = clientKey(clientIp, name);
    this.#windows.unbump(key);
    this.#windows.unbump(nameKey(name));
    this.#proven.clear(key);
    this.#proven.bump(key);
  }

  /** Records one failed attempt. */
  fail(clientIp: string, name: string): void {
    this.#windows.bump(clientKey(clientIp, name));
    this.#windows.bump(nameKey(name));
  }
}

/** The throttle's key of one client's attempts at a name (also the gate's, for checks under way). */
export const clientKey = (ip: string, name: string) => `c:${ip}:${name}`;
/** The throttle's key of all attempts at a name. */
export const nameKey = (name: string) => `n:${name}`;
