import { createServer, type Server as NetServer, type Socket } from "node:net";
import ssh2 from "ssh2";
import { proxyTrust } from "../../lib/forwarding/trusted-proxies.ts";
import { ProxyHeaderGate } from "../proxy-protocol/proxy-header-gate.ts";
import { coalesceWrites } from "./coalesce-writes.ts";
import { type ConnectionDeps, RelayConnection } from "./connection.ts";
import { enablePooledPadding } from "./pooled-padding.ts";

/**
 * Server keepalives: a ping every 10 s, and the connection is dropped after 2 unanswered ones plus
 * the interval in progress, so a vanished laptop (suspended, lost Wi-Fi) frees its names within ~30 s
 * even when no FIN or RST ever arrives. Never an idle timeout: idle tunnels and WebSockets are fine.
 */
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 2;
const HANDSHAKE_TIMEOUT_MS = 30_000;

function socketKey(address: string | undefined, port: number | undefined): string {
  return `${address}|${port}`;
}

export interface Keepalive {
  intervalMs: number;
  /** Unanswered pings tolerated; the connection drops after intervalMs × (countMax + 1) of silence. */
  countMax: number;
}

export interface SshServerOptions extends ConnectionDeps {
  hostKey: string | Buffer;
  keepalive?: Keepalive;
  /** How long a new connection gets to send its SSH version line (default 30 s); tests shorten it. */
  handshakeTimeoutMs?: number;
}

/**
 * The relay's SSH listener. Sockets are accepted by a plain net.Server (so TCP_NODELAY is set before
 * the first byte: small proxied requests would otherwise wait ~40 ms on Nagle) and handed to ssh2.
 */
export class SshServer {
  readonly #ssh: ssh2.Server;
  readonly #net: NetServer;
  readonly #connections = new Set<RelayConnection>();
  readonly #handshakeTimeoutMs: number;
  readonly #maxUnauthenticated: number;
  readonly #warnFlood: (address: string) => void;
  /**
   * Set when BURROW_PROXY_PROTOCOL names ssh: a load balancer's connections start with a header,
   * and the client it names is the connection's peer.
   */
  readonly #proxyHeaders: ProxyHeaderGate | undefined;

  constructor(options: SshServerOptions) {
    // ssh2 pays ~7 µs of CSPRNG call per packet it sends for padding; take it from a pool instead.
    enablePooledPadding();
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.#maxUnauthenticated = options.config.BURROW_MAX_UNAUTHENTICATED_PER_IP;
    this.#warnFlood = (address) =>
      options.logger.warn("too many SSH connections not signed in from one address: closing its new ones", {
        ip: address,
        max: this.#maxUnauthenticated,
      });
    this.#ssh = new ssh2.Server({
      hostKeys: [options.hostKey],
      ident: "Burrow",
      // BURROW_SSH_CIPHERS (lib/env.ts): AES-GCM only unless widened, since clients pick by their own order.
      algorithms: { cipher: options.config.BURROW_SSH_CIPHERS },
      keepaliveInterval: options.keepalive?.intervalMs ?? KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: options.keepalive?.countMax ?? KEEPALIVE_COUNT_MAX,
    });
    this.#ssh.on("connection", (client: ssh2.Connection, info: ssh2.ClientInfo) => {
      const key = socketKey(info.ip, info.port);
      const socket = this.#pendingSockets.get(key);
      if (!socket) {
        client.end();
        return;
      }
      const signedIn = this.#unauthenticated.get(socket);
      if (signedIn) client.once("ready", signedIn);
      this.#pendingSockets.delete(key);
      clearTimeout(this.#versionDeadlines.get(socket));
      this.#versionDeadlines.delete(socket);
      const connection = new RelayConnection(
        client,
        socket,
        options,
        (c) => this.#connections.delete(c),
        this.#proxyHeaders?.peerOf(socket),
      );
      this.#connections.add(connection);
    });
    const { config, logger } = options;
    this.#proxyHeaders = config.BURROW_PROXY_PROTOCOL.includes("ssh")
      ? new ProxyHeaderGate({ trusts: proxyTrust(config.BURROW_TRUSTED_PROXIES), logger, listener: "ssh" })
      : undefined;
    this.#net = createServer((socket) => {
      // Before anything else reads the socket: TCP_NODELAY from the first byte on.
      socket.setNoDelay(true);
      const gate = this.#proxyHeaders;
      if (!gate) {
        this.#accept(socket);
        return;
      }
      gate.accept(socket, () => this.#accept(socket));
    });
  }

  /**
   * ssh2 announces a connection (after the SSH version exchange) with only the peer's address and
   * port; this map hands the matching socket to the RelayConnection. Address and port identify a
   * live TCP connection to this listener uniquely.
   */
  readonly #pendingSockets = new Map<string, Socket>();
  /** Each pending socket's deadline for its version line (cleared once ssh2 has read it). */
  readonly #versionDeadlines = new Map<Socket, NodeJS.Timeout>();

  /**
   * Connections not signed in yet, by address: each costs a socket and up to a minute (version line,
   * then sign-in) before any limit per key applies. One address holding more than
   * BURROW_MAX_UNAUTHENTICATED_PER_IP (a flood of silent connections, as OpenSSH's MaxStartups
   * guards against) has its next ones closed at once, so it cannot use up the relay's file
   * descriptors; everyone else is unaffected. Each socket's entry is its "signed in" callback.
   */
  readonly #unauthenticated = new Map<Socket, () => void>();
  readonly #unauthenticatedByAddress = new Map<string, number>();
  #lastFloodWarning = 0;

  /** Counts `socket` against its address; false (and a warning, at most once a minute) when full. */
  #admitUnauthenticated(socket: Socket): boolean {
    const address = this.#proxyHeaders?.peerOf(socket)?.address ?? socket.remoteAddress ?? "";
    const count = this.#unauthenticatedByAddress.get(address) ?? 0;
    if (count >= this.#maxUnauthenticated) {
      if (Date.now() - this.#lastFloodWarning > 60_000) {
        this.#lastFloodWarning = Date.now();
        this.#warnFlood(address);
      }
      return false;
    }
    this.#unauthenticatedByAddress.set(address, count + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      this.#unauthenticated.delete(socket);
      const left = (this.#unauthenticatedByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#unauthenticatedByAddress.set(address, left);
      else this.#unauthenticatedByAddress.delete(address);
    };
    this.#unauthenticated.set(socket, release);
    socket.once("close", release);
    return true;
  }

  #accept(socket: Socket): void {
    if (!this.#admitUnauthenticated(socket)) {
      socket.destroy();
      return;
    }
    coalesceWrites(socket);
    // ssh2 handles errors of sockets it owns; this keeps an early reset from being an uncaught error.
    socket.on("error", () => {});
    const key = socketKey(socket.remoteAddress, socket.remotePort);
    this.#pendingSockets.set(key, socket);
    // A peer that has not sent its SSH version line in time is dropped. A deadline, not an idle
    // timeout: ssh2 reads a version line of up to 8 KiB, so a peer that sent one byte every 29 s
    // held its socket for days (a slowloris), uncounted by any limit.
    const deadline = setTimeout(() => {
      if (this.#pendingSockets.get(key) === socket) socket.destroy();
    }, this.#handshakeTimeoutMs);
    deadline.unref();
    this.#versionDeadlines.set(socket, deadline);
    socket.once("close", () => {
      clearTimeout(deadline);
      this.#versionDeadlines.delete(socket);
      if (this.#pendingSockets.get(key) === socket) this.#pendingSockets.delete(key);
    });
    this.#ssh.injectSocket(socket);
  }

  /** Starts listening; resolves with the bound port (config port 0 picks a free one). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#net.once("error", reject);
      this.#net.listen(port, host, () => {
        this.#net.off("error", reject);
        const address = this.#net.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  get connections(): readonly RelayConnection[] {
    return [...this.#connections];
  }

  /** Stops accepting new connections at once. Existing ones keep running until `closeConnections`. */
  stopAccepting(): void {
    // net.Server#close's callback waits for every open connection to end: don't wait for it here.
    if (this.#net.listening) this.#net.close();
    this.#proxyHeaders?.destroyWaiting();
  }

  /** Ends every connection, telling each client why. */
  closeConnections(reason: string, message?: string): void {
    for (const connection of this.connections) connection.shutdown(reason, message);
    for (const socket of this.#pendingSockets.values()) socket.destroy();
    this.#pendingSockets.clear();
  }
}
