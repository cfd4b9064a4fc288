import type { Socket } from "node:net";
import type { ProxyTrust } from "../../lib/forwarding/trusted-proxies.ts";
import type { Logger } from "../../lib/logger.ts";
import { type ProxiedPeer, parseProxyHeader } from "./proxy-header.ts";

/**
 * A load balancer writes its header the moment it connects, before the client's first byte; a
 * peer that has not within this time is not speaking the protocol.
 */
const HEADER_TIMEOUT_MS = 5_000;

export interface ProxyHeaderGateOptions {
  /** Which peers are load balancers (BURROW_TRUSTED_PROXIES): their connections must start with a header. */
  trusts: ProxyTrust;
  logger: Logger;
  listener: "ssh" | "http" | "https";
  timeoutMs?: number;
}

/** What a socket (or a TLS socket on top of it) reports about its TCP connection. */
export interface Endpoints {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

/** The client a PROXY header named for a connection, if any. */
export type PeerLookup = (socket: Endpoints) => ProxiedPeer | undefined;

/**
 * PROXY protocol on one kind of listener (BURROW_PROXY_PROTOCOL). Connections from trusted peers
 * must start with a PROXY header (v1 or v2): the header is read and removed, and the client it names
 * becomes the connection's peer; a trusted peer's connection without a valid header is closed, since
 * treating the balancer's address as the visitor's would put every client behind one address (one
 * password throttle, one log address). Connections from anyone else carry no header and are handed
 * on untouched, so a balancer and direct clients can share the port.
 */
export class ProxyHeaderGate {
  readonly #options: ProxyHeaderGateOptions;
  /**
   * Peers by TCP connection. Keyed by the connection's own addresses rather than the socket object
   * because an HTTPS request's socket is the TLS socket Node builds on top of the one accepted here;
   * both report the same addresses and ports, and no two live TCP connections share all four.
   */
  readonly #peers = new Map<string, ProxiedPeer>();
  readonly #waiting = new Set<Socket>();
  #closing = false;

  constructor(options: ProxyHeaderGateOptions) {
    this.#options = options;
  }

  /**
   * Hands `socket` to `next` once it is known who is behind it: at once for a direct client, after
   * the header for a trusted peer (`peer` undefined when the header names no client, e.g. a
   * balancer's health check). Bytes after the header stay on the socket for `next` to read.
   */
  accept(socket: Socket, next: (peer: ProxiedPeer | undefined) => void): void {
    if (!this.#options.trusts(socket.remoteAddress ?? "")) {
      next(undefined);
      return;
    }
    // A reset while the header is read must not be an uncaught error; the socket closes either way.
    socket.on("error", ignore);
    this.#waiting.add(socket);
    void readProxyHeader(socket, this.#options.timeoutMs ?? HEADER_TIMEOUT_MS).then((outcome) => {
      this.#waiting.delete(socket);
      if (outcome.kind === "header") {
        if (socket.destroyed) return;
        const { peer } = outcome;
        if (peer) {
          const key = endpointsKey(socket);
          this.#peers.set(key, peer);
          socket.once("close", () => this.#peers.delete(key));
        }
        next(peer);
        return;
      }
      // Closed before its first byte: a balancer's TCP health check or a port probe, every few
      // seconds. Only a connection that said something else, or too little, is worth a warning.
      if (outcome.kind === "refused" && !this.#closing) {
        this.#options.logger.warn("connection from a trusted proxy dropped: no valid PROXY header", {
          listener: this.#options.listener,
          proxy: socket.remoteAddress,
          reason: outcome.reason,
        });
      }
      socket.destroy();
    });
  }

  /** The client a header named for the connection `socket` belongs to, if any. */
  peerOf(socket: Endpoints): ProxiedPeer | undefined {
    return this.#peers.size === 0 ? undefined : this.#peers.get(endpointsKey(socket));
  }

  /** Closes connections still waiting for their header (at shutdown: they hold nothing yet). */
  destroyWaiting(): void {
    this.#closing = true;
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting.clear();
  }
}

function ignore(): void {}

function endpointsKey(socket: Endpoints): string {
  return `${socket.remoteAddress}|${socket.remotePort}|${socket.localAddress}|${socket.localPort}`;
}

/** How reading a connection's PROXY header ended. */
export type HeaderOutcome =
  | { kind: "header"; peer: ProxiedPeer | undefined }
  /** Closed before sending anything. */
  | { kind: "closed" }
  | { kind: "refused"; reason: string };

/**
 * Reads the PROXY header at the start of `socket` and puts the bytes after it back, so whoever reads
 * next sees the connection as if it started there. Reads with 'readable' and read(), not 'data':
 * once the listener is gone the socket is neither flowing nor paused, and the next reader's own
 * 'data' listener (http, ssh2) starts it, or Node's TLS socket takes the buffered bytes itself.
 * Refused when the header is malformed, missing, late, or the connection ends in the middle.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<HeaderOutcome> {
  return new Promise((resolve) => {
    let received: Buffer = Buffer.alloc(0);
    const done = (outcome: HeaderOutcome) => {
      clearTimeout(timer);
      socket.off("readable", onReadable);
      socket.off("close", onClose);
      resolve(outcome);
    };
    const onReadable = () => {
      for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      }
      const result = parseProxyHeader(received);
      if (result.kind === "incomplete") return;
      if (result.kind === "invalid") {
        done({ kind: "refused", reason: result.reason });
        return;
      }
      done({ kind: "header", peer: result.peer });
      const rest = received.subarray(result.length);
      if (rest.length > 0) socket.unshift(rest);
    };
    const onClose = () =>
      done(
        received.length === 0
          ? { kind: "closed" }
          : { kind: "refused", reason: "the connection closed in the middle of its PROXY header" },
      );
    const timer = setTimeout(
      () => done({ kind: "refused", reason: `no PROXY header within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    timer.unref();
    socket.on("readable", onReadable);
    socket.once("close", onClose);
  });
}
