import type { Readable } from "node:stream";

/**
 * Holds back the end of a stream's readable side until its reader, having taken everything before
 * it, asks for more: the end of a channel reaches undici only when undici is ready for it.
 *
 * undici 7, the relay's HTTP/1.1 client, asserts that its response parser is not paused when the
 * connection ends (nodejs/undici#5360; the fix is in undici 8 only, which needs Node 22). A Readable
 * emits 'end' as soon as its buffer is empty after EOF, also when its reader stopped in the middle
 * of the last chunk: undici's parser pauses there while the visitor is slower than the app. So an
 * app that closes the connection after a large answer (HTTP/1.0 or `Connection: close`, such as
 * `python3 -m http.server` serving a file) threw from the channel's 'end' listener, out of reach of
 * any handler, and the relay process died with every tunnel on it. undici reads again only once
 * it has resumed, so passing EOF on at that read keeps the order it expects.
 *
 * A reader in flowing mode (a pipe, an upgraded WebSocket) gets the end as before: it consumes
 * whole chunks.
 */
export function endWhenRead<T extends Readable>(stream: T): T {
  const push = stream.push.bind(stream);
  const read = stream.read.bind(stream);
  /** The reader's last read() found nothing, and nothing has arrived since. */
  let readerWaiting = true;
  let endHeld = false;
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null) {
      readerWaiting = false;
      return push(chunk, encoding);
    }
    if (stream.readableFlowing === true || (readerWaiting && stream.readableLength === 0)) return push(null);
    endHeld = true;
    return false;
  };
  stream.read = (size?: number) => {
    const chunk: unknown = read(size);
    // read(0) is the stream's own bookkeeping, not the reader asking for data.
    if (chunk === null && size === undefined) {
      readerWaiting = true;
      if (endHeld) {
        endHeld = false;
        // Not from inside read(): ending emits 'readable' at once, and undici calls read() while
        // in the middle of resuming its parser.
        process.nextTick(() => push(null));
      }
    }
    return chunk;
  };
  return stream;
}
