/**
 * A count of something that keeps going wrong (rows dropped, refused, queued without bodies), logged
 * at most once per interval with what it came to since the last line, instead of once per event.
 */
export class ThrottledCount {
  readonly #intervalMs: number;
  readonly #log: (count: number) => void;
  #pending = 0;
  #lastLoggedAt = 0;

  constructor(intervalMs: number, log: (count: number) => void) {
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  add(count = 1): void {
    this.#pending += count;
  }

  /** Logs the count so far, if any, unless the last line was less than an interval ago (`force` logs anyway). */
  report(force = false): void {
    if (this.#pending === 0) return;
    const now = Date.now();
    if (!force && now - this.#lastLoggedAt < this.#intervalMs) return;
    this.#log(this.#pending);
    this.#pending = 0;
    this.#lastLoggedAt = now;
  }

  /** Forgets the count so far without logging it (it was told another way). */
  clear(): void {
    this.#pending = 0;
  }
}
