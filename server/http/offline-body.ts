import type http from "node:http";
import { BODY_KEEP_BYTES, type BodyKeeper } from "../../lib/request-logs/bodies.ts";
import type { Exchange } from "./exchange.ts";

/** How long a visitor may take to send the body of a request to an offline name that keeps bodies. */
const OFFLINE_BODY_MS = 10_000;

/**
 * Reads the body of a request to an offline name that keeps bodies into its log row, so that the
 * owner can send the request on once the tunnel is back (Replay), then calls `done` to answer: at
 * the body's end (at once without one), as soon as more arrived than the log keeps, or when the
 * body took longer than OFFLINE_BODY_MS. What follows is read and dropped, as Node does with any
 * body a server answers before reading, so the connection stays usable. Not called if the visitor
 * leaves first.
 */
export function readOfflineBody(
  req: http.IncomingMessage,
  exchange: Exchange,
  keeper: BodyKeeper,
  done: () => void,
): void {
  const length = req.headers["content-length"];
  if (req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0")) {
    done();
    return;
  }
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    // The stream keeps flowing without a listener: the rest is dropped as it arrives.
    req.off("data", onData);
    if (!req.destroyed) done();
  };
  const onData = (chunk: Buffer) => {
    exchange.bytesIn += chunk.length;
    keeper.add(chunk);
    if (exchange.bytesIn > BODY_KEEP_BYTES) finish();
  };
  const timer = setTimeout(finish, OFFLINE_BODY_MS);
  timer.unref();
  req.on("data", onData);
  req.once("end", finish);
}
