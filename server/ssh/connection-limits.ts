/**
 * Counts open, authenticated SSH connections per key (BURROW_MAX_CONNECTIONS_PER_KEY), so one leaked
 * or abused key cannot pile up connections. Owned by one SSH server; no module-level state.
 */
export class ConnectionLimits {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(maxPerKey: number) {
    this.#max = maxPerKey;
  }

  get maxPerKey(): number {
    return this.#max;
  }

  /** Takes a slot for the key; false when it already has the maximum. */
  tryAcquire(keyId: string): boolean {
    const count = this.#open.get(keyId) ?? 0;
    if (count >= this.#max) return false;
    this.#open.set(keyId, count + 1);
    return true;
  }

  release(keyId: string): void {
    const count = this.#open.get(keyId) ?? 0;
    if (count <= 1) this.#open.delete(keyId);
    else this.#open.set(keyId, count - 1);
  }

  openFor(keyId: string): number {
    return this.#open.get(keyId) ?? 0;
  }
}
