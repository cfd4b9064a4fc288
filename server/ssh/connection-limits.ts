/**
 * Counts open, authenticated SSH connections per key (BURROW_MAX_CONNECTIONS_PER_KEY), so one leaked
 * or abused key cannot pile up connections. Owned by one SSH server; no module-level state.
 *
 * A key at its limit may be holding connections that are already dead: a laptop that slept or
 * changed networks leaves its old connections open on the relay until keepalives give up (about
 * 30 s). Its reconnect must not be refused for that, so before refusing, the key's connections are
 * asked to answer, and those that stay silent are dropped to make room.
 */
export interface KeyConnection {
  /** Resolves true if the client answers (sends anything) within `timeoutMs`. */
  answers(timeoutMs: number): Promise<boolean>;
  /** Ends the connection as dead; it releases its slot. */
  dropUnresponsive(): void;
}

/** How long a key's connections get to answer before a connection over the limit is refused. */
export const DEFAULT_PROBE_MS = 3_000;

export class ConnectionLimits {
  readonly #max: number;
  readonly #probeMs: number;
  readonly #open = new Map<string, Set<KeyConnection>>();

  constructor(maxPerKey: number, probeMs = DEFAULT_PROBE_MS) {
    this.#max = maxPerKey;
    this.#probeMs = probeMs;
  }

  get maxPerKey(): number {
    return this.#max;
  }

  /** Takes a slot for the key; false when it already has the maximum. */
  tryAcquire(keyId: string, connection: KeyConnection): boolean {
    const open = this.#open.get(keyId) ?? new Set<KeyConnection>();
    if (open.has(connection)) return true;
    if (open.size >= this.#max) return false;
    open.add(connection);
    this.#open.set(keyId, open);
    return true;
  }

  /**
   * Takes a slot for the key, first dropping those of its connections that do not answer when it
   * has the maximum. False when every one of them is alive.
   */
  async acquire(keyId: string, connection: KeyConnection): Promise<boolean> {
    if (this.tryAcquire(keyId, connection)) return true;
    const held = [...(this.#open.get(keyId) ?? [])];
    const answers = await Promise.all(held.map((other) => other.answers(this.#probeMs)));
    held.forEach((other, i) => {
      if (!answers[i]) other.dropUnresponsive();
    });
    return this.tryAcquire(keyId, connection);
  }

  release(keyId: string, connection: KeyConnection): void {
    const open = this.#open.get(keyId);
    if (!open) return;
    open.delete(connection);
    if (open.size === 0) this.#open.delete(keyId);
  }

  openFor(keyId: string): number {
    return this.#open.get(keyId)?.size ?? 0;
  }
}
