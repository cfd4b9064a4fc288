import type { Socket } from "node:net";

type Write = (...args: unknown[]) => boolean;

/**
 * Sends all the SSH packets ssh2 writes during one event-loop turn as a single `writev`.
 *
 * ssh2 writes every packet with its own `socket.write`; with TCP_NODELAY each becomes a syscall and
 * a TCP segment, and one proxied request is several packets (data, window adjust, EOF, close). The
 * first write of a turn corks the socket and a `setImmediate` uncorks it. `setImmediate`, not
 * `process.nextTick`: each visitor request arrives in its own I/O callback, so a tick would uncork
 * before the next request's packets. `end()` flushes corked data itself. Measured with
 * bench/compare-relays.ts: about 15 % less relay CPU per small request and 45 % less for the
 * OpenSSH client, with no added latency beyond the current turn.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as Write;
  let corked = false;
  const flush = () => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  (socket as unknown as { write: Write }).write = (...args) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write(...args);
  };
}
