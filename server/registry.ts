import type { Duplex } from "node:stream";
import { AppError } from "../lib/errors.ts";

const CLIENT_SILENT = "the SSH client did not answer in time";

/**
 * openStream's rejection when the SSH client never answered the channel request: the computer
 * asleep, its network gone, ssh stopped. Not the same as "nothing on the local port", which the
 * client answers at once.
 */
export function unresponsiveTunnelError(): AppError {
  return new AppError("unavailable", CLIENT_SILENT);
}

export function isUnresponsiveTunnel(error: unknown): boolean {
  return error instanceof AppError && error.message === CLIENT_SILENT;
}

/**
 * One live HTTP tunnel: a name bound by one SSH connection's forward. The SSH side creates it, the
 * HTTP edge uses it to reach the client's local app.
 */
export interface Tunnel {
  readonly name: string;
  /** TunnelSession.id of this stretch of uptime. */
  readonly sessionId: string;
  readonly userId: string;
  /** Null for random names. */
  readonly reservationId: string | null;
  readonly clientIp: string;
  readonly startedAt: Date;
  /** Describes the local end as the client asked for it, e.g. "port 80" or "/tmp/app.sock". */
  readonly target: string;
  /**
   * Opens a new byte stream to the client's local app (a `forwarded-tcpip` or streamlocal channel).
   * Rejects when the SSH connection is gone or the client refuses the channel, and with
   * unresponsiveTunnelError() when the client does not answer in time.
   */
  openStream(visitor: { ip: string; port: number }): Promise<Duplex>;
  /** Writes a line to the client's terminal when it keeps a session open (no `-N`); else a no-op. */
  notify(line: string): void;
  /** Adds one finished request's traffic to the session's counters. */
  recordRequest(bytesIn: number, bytesOut: number): void;
  /** Ends this tunnel (and its forward); safe to call twice. */
  close(reason: string): void;
  /** Why it closed ("keepalive_timeout", "client_closed"…), once it has. */
  readonly closeReason?: string;
  /** After this long without an answer to a request, the edge calls checkSilence. */
  readonly silenceCheckAfterMs?: number;
  /** Checks that the client still answers, ending the tunnel as keepalive_timeout if not. */
  checkSilence?(): void;
}

/** The relay's explicit routing table: name -> live tunnel. No module-level state. */
export class TunnelRegistry {
  readonly #byName = new Map<string, Tunnel>();
  readonly #addedListeners = new Set<(tunnel: Tunnel) => void>();

  /** Calls `listener` after each tunnel is added (offline pages waiting for it); returns the removal. */
  onAdded(listener: (tunnel: Tunnel) => void): () => void {
    this.#addedListeners.add(listener);
    return () => this.#addedListeners.delete(listener);
  }

  get(name: string): Tunnel | undefined {
    return this.#byName.get(name);
  }

  /** Registers a tunnel; returns the one it replaced (a takeover), if any. */
  add(tunnel: Tunnel): Tunnel | undefined {
    const previous = this.#byName.get(tunnel.name);
    this.#byName.set(tunnel.name, tunnel);
    for (const listener of this.#addedListeners) listener(tunnel);
    return previous === tunnel ? undefined : previous;
  }

  /** Removes the tunnel only if it is still the registered one, so late cleanup never evicts a successor. */
  remove(tunnel: Tunnel): boolean {
    if (this.#byName.get(tunnel.name) !== tunnel) return false;
    this.#byName.delete(tunnel.name);
    return true;
  }

  list(): Tunnel[] {
    return [...this.#byName.values()];
  }

  get size(): number {
    return this.#byName.size;
  }
}
