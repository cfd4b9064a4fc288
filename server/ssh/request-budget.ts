/**
 * A token bucket: a burst of up to `capacity`, refilled at `refillPerSecond`. One per SSH connection
 * and kind of message (see flood-guard.ts); the connection that overdraws it is cut.
 */
export class RequestBudget {
  readonly #capacity: number;
  readonly #refillPerSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(options: { capacity: number; refillPerSecond: number; now?: () => number }) {
    this.#capacity = options.capacity;
    this.#refillPerSecond = options.refillPerSecond;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.capacity;
    this.#updatedAt = this.#now();
  }

  /** Spends one request; false when the budget is used up (the caller should cut the connection). */
  take(): boolean {
    const now = this.#now();
    const refilled = ((now - this.#updatedAt) / 1_000) * this.#refillPerSecond;
    this.#tokens = Math.min(this.#capacity, this.#tokens + refilled);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
