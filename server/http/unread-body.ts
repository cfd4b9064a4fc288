import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** How long the rest of an unread body is read and dropped before the connection is closed. */
export const DROP_UNREAD_BODY_MS = 30_000;

/** Node's http server drops the body bytes of a request marked so (what its own req._dump() does). */
interface DumpableRequest {
  _dumped?: boolean;
}

/**
 * The answer went out before the request's body had all arrived: the app answered without reading
 * it (a 401 or 413 to a large upload) or the relay answered itself. Nothing reads the rest any
 * more (undici stopped sending it when the answer ended), so the visitor's upload would stall until
 * the connection's idle timeout. Node's own server, reached directly, reads and drops the rest;
 * so does this, for up to `maxMs` (then the connection is closed, as nginx's lingering close does),
 * and the keep-alive connection serves the visitor's next request.
 */
export function dropUnreadBody(req: IncomingMessage, socket: Socket, maxMs = DROP_UNREAD_BODY_MS): void {
  if (req.complete || socket.destroyed) return;
  // HTTP/2: http2-visitors.ts stops the visitor's upload itself (RST_STREAM NO_ERROR); the stream's
  // socket is shared with the visitor's other requests and cannot be paused or resumed.
  if (req.httpVersionMajor === 2) return;
  // Node's parser drops the body of a request marked so, instead of pushing it into a stream that
  // nobody reads and pausing the socket when that stream is full.
  (req as IncomingMessage & DumpableRequest)._dumped = true;
  socket.resume();
  const timer = setTimeout(() => {
    if (!req.complete) socket.destroy();
  }, maxMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}
