import type { Duplex } from "node:stream";

/** The net.Socket methods Node's HTTP client and http.Agent call on a connection. */
interface SocketMethods {
  setNoDelay(noDelay?: boolean): unknown;
  setKeepAlive(enable?: boolean, initialDelay?: number): unknown;
  setTimeout(ms: number, callback?: () => void): unknown;
  ref(): unknown;
  unref(): unknown;
  timeout?: number;
}

/**
 * Makes an SSH channel (a plain Duplex) usable where Node's HTTP client expects a net.Socket, by
 * adding the socket methods it lacks to the same object (no extra stream layer on the data path):
 *
 * - setNoDelay / setKeepAlive: no-ops. A channel has no TCP socket of its own; Nagle and keep-alive
 *   belong to the SSH connection's socket, which the SSH side configures.
 * - ref / unref: no-ops. http.Agent unrefs pooled sockets so they don't keep the process alive; a
 *   channel never holds the event loop open by itself (the SSH connection's socket does).
 * - setTimeout: a real idle timer like net.Socket's (restarted by incoming data, emits 'timeout').
 *   http.Agent relies on it to close pooled channels that sat idle for its `timeout`, which in turn
 *   makes OpenSSH close its connection to the local app.
 *
 * Methods the stream already has are left alone, so a stream that is already socket-like works too.
 */
export function asHttpSocket<T extends Duplex>(stream: T): T & SocketMethods {
  const socket = stream as T & Partial<SocketMethods>;
  if (typeof socket.setNoDelay !== "function") socket.setNoDelay = noop;
  if (typeof socket.setKeepAlive !== "function") socket.setKeepAlive = noop;
  if (typeof socket.ref !== "function") socket.ref = noop;
  if (typeof socket.unref !== "function") socket.unref = noop;
  if (typeof socket.setTimeout !== "function") {
    let timer: NodeJS.Timeout | undefined;
    socket.timeout = 0;
    socket.setTimeout = (ms: number, callback?: () => void) => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      socket.timeout = ms;
      if (callback) {
        if (ms > 0) socket.once("timeout", callback);
        else socket.removeListener("timeout", callback);
      }
      if (ms > 0) {
        timer = setTimeout(() => socket.emit("timeout"), ms);
        timer.unref();
      }
      return socket;
    };
    // Timeout.refresh() re-arms a timer that already fired, which is what "idle since the last
    // byte" needs. Responses always carry bytes, so a channel returning to the pool is re-armed.
    socket.on("data", () => timer?.refresh());
    socket.once("close", () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    });
  }
  return socket as T & SocketMethods;
}

function noop(this: unknown): unknown {
  return this;
}
