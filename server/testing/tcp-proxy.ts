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
  /** Ends the outage. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy to `target` that tests can cut, e.g. to take the relay's database away
 * while the test itself keeps a direct connection.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let down = false;
  let hung = false;
  const open = new Set<net.Socket>();
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
    // client: pipe() ends the client after flushing it, and the client's close then drops both.
    upstream.on("error", drop).on("close", () => {
      open.delete(upstream);
      if (!client.writableEnded) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    hang() {
      hung = true;
      for (const socket of open) socket.unpipe().pause();
    },
    restore() {
      down = false;
      if (hung) {
        hung = false;
        for (const socket of open) socket.destroy();
        open.clear();
      }
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
