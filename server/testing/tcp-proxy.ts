import net from "node:net";

export interface TcpProxy {
  port: number;
  /** Simulates an outage: open connections are reset and new ones are refused at once. */
  cut(): void;
  /**
   * Simulates a database that stops answering (a network that drops packets, a paused VM): open
   * connections stop carrying bytes and new ones are accepted but never answered.
   */
  hang(): void;
  /**
   * Simulates a slow link: every byte the database sends reaches the client `ms` later (so each
   * round trip takes that much longer), on open connections and new ones alike; 0 ends it.
   */
  delay(ms: number): void;
  /** Bytes the target has sent to clients so far: how much a test can see the relay read. */
  readonly bytesFromTarget: number;
  /**
   * Simulates an answer lost after the database acted on it: the next statement whose text contains
   * `marker` reaches the database, and once its answer comes back (the statement done and, outside
   * a transaction, committed) the client's connection is reset instead of getting it. With `cut`,
   * the outage goes on from that moment, as `cut()`. Resolves when the answer was lost.
   */
  loseAnswer(marker: string, options?: { cut?: boolean }): Promise<void>;
  /** Ends the outage (cut or hang; a delay stays until `delay(0)`). */
  restore(): void;
  /**
   * Ends a hang for new connections only, as when the database comes back at another address (a
   * failover): connections stalled by `hang()` stay stalled, nothing ever answers on them.
   */
  failover(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy to `target` that tests can cut, stall or slow down, e.g. to take the relay's
 * database away while the test itself keeps a direct connection. Listens on `port` (default: any).
 */
export async function startTcpProxy(
  target: { host: string; port: number },
  options: { port?: number } = {},
): Promise<TcpProxy> {
  let down = false;
  let hung = false;
  let delayMs = 0;
  let bytesFromTarget = 0;
  const open = new Set<net.Socket>();
  /** Connections left stalled by a failover: never served again, only closed with the proxy. */
  let stalled = new Set<net.Socket>();
  let losing: { marker: Buffer; cut: boolean; lost: () => void } | undefined;
  const server = net.createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    if (hung) {
      open.add(client);
      client.on("error", () => {}).pause();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    // When the database closes first, what it sent last (e.g. "too many clients") still reaches the
    // client: the client is ended after it, and the client's close then drops both.
    upstream.on("error", drop).on("close", () => {
      open.delete(upstream);
      if (!client.writableEnded) later(() => client.destroy());
    });
    client.pipe(upstream);
    let answerLost: (() => void) | undefined;
    client.on("data", (chunk: Buffer) => {
      if (!losing || !chunk.includes(losing.marker)) return;
      const { cut, lost } = losing;
      losing = undefined;
      answerLost = () => {
        if (cut) down = true;
        client.resetAndDestroy();
        upstream.destroy();
        if (cut) for (const socket of open) socket.resetAndDestroy();
        lost();
      };
    });
    // Chunks keep their order when the delay changes: none is written before the one ahead of it.
    let lastAt = 0;
    const later = (write: () => void) => {
      if (delayMs === 0 && lastAt <= Date.now()) {
        write();
        return;
      }
      lastAt = Math.max(lastAt, Date.now() + delayMs);
      setTimeout(() => {
        if (!client.destroyed && !hung) write();
      }, lastAt - Date.now()).unref();
    };
    upstream.on("data", (chunk: Buffer) => {
      bytesFromTarget += chunk.length;
      if (answerLost) answerLost();
      else later(() => client.write(chunk));
    });
    upstream.on("end", () => later(() => client.end()));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get bytesFromTarget() {
      return bytesFromTarget;
    },
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    hang() {
      hung = true;
      for (const socket of open) socket.unpipe().pause();
    },
    delay(ms) {
      delayMs = ms;
    },
    loseAnswer(marker, options = {}) {
      return new Promise((lost) => {
        losing = { marker: Buffer.from(marker), cut: options.cut ?? false, lost };
      });
    },
    restore() {
      down = false;
      if (hung) {
        hung = false;
        for (const socket of open) socket.destroy();
        open.clear();
      }
    },
    failover() {
      down = false;
      hung = false;
      stalled = new Set(open);
    },
    close() {
      for (const socket of stalled) socket.destroy();
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
