import http from "node:http";
import type { Duplex } from "node:stream";
import type { Tunnel, TunnelRegistry } from "../registry.ts";
import { asHttpSocket } from "./channel-socket.ts";

/** Who a channel is opened for: reported to the SSH client as the channel's originator. */
export interface Visitor {
  ip: string;
  port: number;
}

/** http.request options carrying the visitor to TunnelAgent.createConnection. */
export type TunnelRequestOptions = http.RequestOptions & { visitor: Visitor };

/**
 * How long a pooled channel may sit idle before the relay closes it. Shorter than Node's default
 * server keepAliveTimeout (5 s), so the relay, not the local app, normally ends idle connections:
 * the app closing one just as the relay reuses it is the classic keep-alive race.
 */
export const IDLE_CHANNEL_MS = 4_000;

/**
 * A keep-alive http.Agent whose connections are SSH channels of one tunnel: consecutive requests
 * reuse an open channel (and so the client's one TCP connection to its app) instead of opening a
 * channel per request.
 */
export class TunnelAgent extends http.Agent {
  readonly tunnel: Tunnel;

  constructor(tunnel: Tunnel) {
    super({
      keepAlive: true,
      // LIFO keeps the fewest channels warm: the most recently used one is taken first.
      scheduling: "lifo",
      // Bounds the channels (= app connections) one tunnel holds open; more requests queue. Idle
      // ones may all stay pooled (the idle timeout closes them): closing a channel only to open
      // another for the next request is what the pool is there to avoid.
      maxSockets: 256,
      maxFreeSockets: 256,
      timeout: IDLE_CHANNEL_MS,
    });
    this.tunnel = tunnel;
  }

  // openStream is async, so this uses the callback form (returning nothing) that Agent supports.
  override createConnection(
    options: http.ClientRequestArgs & { visitor?: Visitor },
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (!callback) throw new Error("TunnelAgent needs Node's callback form of createConnection");
    // @types/node types the stream as always present; Node ignores it when an error is passed.
    const fail = callback as unknown as (err: Error) => void;
    const visitor = options.visitor ?? { ip: "127.0.0.1", port: 0 };
    this.tunnel.openStream(visitor).then(
      (stream) => callback(null, asHttpSocket(stream)),
      (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
    );
    return undefined;
  }
}

/**
 * One TunnelAgent per live tunnel. An agent is dropped (its pooled channels closed) when its tunnel
 * leaves the registry: checked on every lookup (a reconnect under the same name gets a new agent)
 * and by a periodic sweep for names nobody requests any more.
 */
export class TunnelAgents {
  readonly #registry: TunnelRegistry;
  readonly #agents = new Map<string, TunnelAgent>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(registry: TunnelRegistry, sweepIntervalMs = 5_000) {
    this.#registry = registry;
    this.#sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** The agent for this tunnel, replacing one left over from a previous tunnel of the same name. */
  agentFor(tunnel: Tunnel): TunnelAgent {
    const current = this.#agents.get(tunnel.name);
    if (current?.tunnel === tunnel) return current;
    current?.destroy();
    const agent = new TunnelAgent(tunnel);
    this.#agents.set(tunnel.name, agent);
    return agent;
  }

  /** Drops agents whose tunnel is no longer the registered one. */
  sweep(): void {
    for (const [name, agent] of this.#agents) {
      if (this.#registry.get(name) !== agent.tunnel) {
        agent.destroy();
        this.#agents.delete(name);
      }
    }
  }

  /** Closes every pooled channel; for shutdown. Safe to call twice. */
  destroyAll(): void {
    clearInterval(this.#sweeper);
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  get size(): number {
    return this.#agents.size;
  }
}
