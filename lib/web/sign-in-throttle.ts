import { FixedWindows } from "../throttle/fixed-windows.ts";

/**
 * Brakes password guessing on the sign-in form: after `perClient` failures for one email from one
 * IP, or `perEmail` failures for one email from anywhere (so rotating IPs does not help), further
 * attempts wait until the window ends. Fixed windows in memory, per dashboard process
 * (lib/throttle/fixed-windows.ts).
 *
 * Counts are kept per `passwordVersion` (lib/users/service.ts) too: an admin who sets a new password
 * (dashboard or CLI, in another process) changes it, so the owner can sign in with the new password
 * at once; a guesser cannot change it, so the lock still holds against them.
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
  retryAfter(email: string, ip: string, passwordVersion: string): number {
    return Math.max(
      this.#windows.wait(clientKey(email, ip, passwordVersion), this.#options.perClient),
      this.#windows.wait(emailKey(email, passwordVersion), this.#options.perEmail),
    );
  }

  /** Records one failed attempt. */
  fail(email: string, ip: string, passwordVersion: string): void {
    this.#windows.bump(clientKey(email, ip, passwordVersion));
    this.#windows.bump(emailKey(email, passwordVersion));
  }

  /** A successful sign-in clears that client's count (the per-email ceiling stays until it expires). */
  succeed(email: string, ip: string, passwordVersion: string): void {
    this.#windows.clear(clientKey(email, ip, passwordVersion));
  }
}

// The version has no ":" (base64url), so the keys cannot collide.
const clientKey = (email: string, ip: string, version: string) => `c:${version}:${email.toLowerCase()}:${ip}`;
const emailKey = (email: string, version: string) => `e:${version}:${email.toLowerCase()}`;
