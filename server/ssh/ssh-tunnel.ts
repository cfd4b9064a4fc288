import type { Duplex } from "node:stream";
import type { Connection, ServerChannel } from "ssh2";
import { AppError } from "../../lib/errors.ts";
import { type Tunnel, type TunnelRegistry, unresponsiveTunnelError } from "../registry.ts";
import type { SessionRecorder } from "../sessions/session-recorder.ts";
import { closeWhenDestroyed, endChannelOfSilentClient } from "./closing-channel.ts";
import type { ForwardBind } from "./forward-request.ts";

/** A visitor's stream waits at most this long for the SSH client to accept the channel. */
const OPEN_STREAM_TIMEOUT_MS = 15_000;

/** Relay-wide counters the heartbeat reads. */
export interface RelayStats {
  requests: number;
}

/** The SSH connection a tunnel belongs to. */
export interface TunnelOwner {
  readonly client: Connection;
  print(line: string): void;
  /** Whether the client sends anything within `timeoutMs` of an SSH ping. */
  answers(timeoutMs: number): Promise<boolean>;
  /** Ends the connection of a client that stopped answering (keepalive_timeout), saying why. */
  dropSilent(): void;
  /** Channels of a silent client could not be ended here: end them by closing its socket now. */
  silentChannelsLeft(): void;
  /** Called once when the tunnel closes, for whatever reason. */
  tunnelClosed(tunnel: SshTunnel, reason: string, message: string | undefined): void;
}

export interface SshTunnelInit {
  name: string;
  sessionId: string;
  userId: string;
  reservationId: string | null;
  clientIp: string;
  target: string;
  /** The forward exactly as the client requested it (with the allocated port for port 0). */
  bind: ForwardBind;
}

/**
 * A live tunnel backed by one forward of one SSH connection. Routing (registry) and the TunnelSession
 * row are handled here, so every way a tunnel ends — client gone, takeover, admin, shutdown —
 * goes through the same idempotent `close`.
 */
export class SshTunnel implements Tunnel {
  readonly name: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly reservationId: string | null;
  readonly clientIp: string;
  readonly startedAt = new Date();
  readonly target: string;
  readonly bind: ForwardBind;
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  #closed = false;
  closeReason: string | undefined;
  /** A silence check (checkSilence) is under way. */
  #checking = false;
  /** Visitor channels still open, closed with the tunnel (the edge may pool idle ones). */
  readonly #streams = new Set<ServerChannel>();
  readonly #owner: TunnelOwner;
  readonly #registry: TunnelRegistry;
  readonly #sessions: SessionRecorder;
  readonly #stats: RelayStats;
  readonly #openStreamTimeoutMs: number;

  constructor(
    init: SshTunnelInit,
    deps: {
      owner: TunnelOwner;
      registry: TunnelRegistry;
      sessions: SessionRecorder;
      stats: RelayStats;
      /** Default OPEN_STREAM_TIMEOUT_MS; tests shorten it. */
      openStreamTimeoutMs?: number;
    },
  ) {
    this.name = init.name;
    this.sessionId = init.sessionId;
    this.userId = init.userId;
    this.reservationId = init.reservationId;
    this.clientIp = init.clientIp;
    this.target = init.target;
    this.bind = init.bind;
    this.#owner = deps.owner;
    this.#registry = deps.registry;
    this.#sessions = deps.sessions;
    this.#stats = deps.stats;
    this.#openStreamTimeoutMs = deps.openStreamTimeoutMs ?? OPEN_STREAM_TIMEOUT_MS;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Channels (= connections to the local app) open now, pooled idle ones included. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /**
   * Opens a `forwarded-tcpip` (or `forwarded-streamlocal@openssh.com`) channel to the client, which
   * connects it to its local app. Never touches the database.
   */
  openStream(visitor: { ip: string; port: number }): Promise<Duplex> {
    if (this.#closed) return Promise.reject(new AppError("unavailable", `${this.name} is offline`));
    return new Promise<Duplex>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(unresponsiveTunnelError());
      }, this.#openStreamTimeoutMs);
      const done = (error: Error | undefined, channel?: ServerChannel) => {
        clearTimeout(timer);
        if (settled) {
          // Too late: the visitor has been answered already; don't leak the channel.
          channel?.close();
          return;
        }
        settled = true;
        if (error || !channel) {
          reject(error ?? new AppError("unavailable", "no channel"));
          return;
        }
        if (this.#closed) {
          channel.close();
          reject(new AppError("unavailable", `${this.name} is offline`));
          return;
        }
        this.#streams.add(channel);
        channel.once("close", () => this.#streams.delete(channel));
        resolve(closeWhenDestroyed(channel));
      };
      try {
        const client = this.#owner.client;
        if (this.bind.type === "tcpip") {
          client.forwardOut(this.bind.bindAddr, this.bind.bindPort, visitor.ip, visitor.port, done);
        } else {
          client.openssh_forwardOutStreamLocal(this.bind.socketPath, done);
        }
      } catch (error) {
        // ssh2 throws synchronously when the connection is already gone.
        done(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** A third of the wait for a channel: the check and the client's answer fit in the same 15 s. */
  get silenceCheckAfterMs(): number {
    return this.#openStreamTimeoutMs / 3;
  }

  /**
   * A request on a channel already open has had no answer for silenceCheckAfterMs: pings the
   * client, and drops its connection if it does not answer within the rest of the wait for a
   * channel (a laptop asleep), so the request gets "not responding" now rather than when
   * keepalives notice (~30 s). A live client with a slow app answers the ping at once.
   */
  checkSilence(): void {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    void this.#owner.answers(this.#openStreamTimeoutMs - this.silenceCheckAfterMs).then((answered) => {
      this.#checking = false;
      if (!answered && !this.#closed) this.#owner.dropSilent();
    });
  }

  notify(line: string): void {
    if (!this.#closed) this.#owner.print(line);
  }

  recordRequest(bytesIn: number, bytesOut: number): void {
    this.requests++;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    this.#stats.requests++;
  }

  /**
   * Ends the tunnel: out of routing at once, session row closed in the background, owner told (it
   * prints `message` and may end the connection). Safe to call any number of times. `clientSilent`:
   * the client stopped answering, so its channels end here at once instead of waiting for its side.
   */
  close(reason: string, message?: string, clientSilent = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.closeReason = reason;
    this.#registry.remove(this);
    // An ended tunnel must not keep carrying traffic; OpenSSH also waits for open forwarded channels
    // before it exits after its session closed.
    for (const stream of this.#streams) {
      if (!clientSilent) stream.close();
      else if (!endChannelOfSilentClient(this.#owner.client, stream)) this.#owner.silentChannelsLeft();
    }
    this.#streams.clear();
    this.#sessions.end(
      this.sessionId,
      reason,
      { requests: this.requests, bytesIn: this.bytesIn, bytesOut: this.bytesOut },
      this.reservationId,
    );
    this.#owner.tunnelClosed(this, reason, message);
  }
}

/** Closes any registry tunnel, passing the user-facing message when it is one of ours. */
export function closeTunnel(tunnel: Tunnel, reason: string, message?: string): void {
  if (tunnel instanceof SshTunnel) tunnel.close(reason, message);
  else tunnel.close(reason);
}
