import { FixedWindows } from "../throttle/fixed-windows.ts";

/**
 * Brakes password guessing on the sign-in form: after `perClient` failures for one email from one
 * IP, or `perEmail` failures for one email from anywhere (so rotating IPs does not help), further
 * attempts wait until the window ends. Fixed windows in memory, per dashboard process
 * (lib/throttle/fixed-windows.ts).
 */
export interface SignInThrottleOptions {
  perClient: number;
  perEmail: number;
  windowMs: number;
  now?: () => number;
}

export class SignInThrottle {
  readonly #options: SignInThrottleOptions;
  readonly #windows: FixedWindows;

  constructor(options: SignInThrottleOptions) {
    this.#options = options;
    this.#windows = new FixedWindows({ windowMs: options.windowMs, maxKeys: 50_000, now: options.now });
  }

  /** Seconds until this email may be tried again from this IP; 0 when it may now. */
  retryAfter(email: string, ip: string): number {
    return Math.max(
      this.#windows.wait(clientKey(email, ip), this.#options.perClient),
      this.#windows.wait(emailKey(email), this.#options.perEmail),
    );
  }

  /** Records one failed attempt. */
  fail(email: string, ip: string): void {
    this.#windows.bump(clientKey(email, ip));
    this.#windows.bump(emailKey(email));
  }

  /** A successful sign-in clears that client's count (the per-email ceiling stays until it expires). */
  succeed(email: string, ip: string): void {
    this.#windows.clear(clientKey(email, ip));
  }
}

const clientKey = (email: string, ip: string) => `c:${email.toLowerCase()}:${ip}`;
const emailKey = (email: string) => `e:${email.toLowerCase()}`;
