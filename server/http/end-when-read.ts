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
  const destroy = stream.destroy.bind(stream);
  /** The reader's last read() found nothing, and nothing has arrived since. */
  let readerWaiting = true;
  let endHeld = false;
  /**
   * Destroyed by its reader (undici aborting the request of a visitor who left), with the error it
   * gave: nobody reads on, so the end goes through, unless undici's parser is still paused in the
   * answer (endAbandoned).
   */
  let abandoned: { error: Error | undefined } | undefined;
  let closeEmitted = false;
  stream.destroy = (error?: Error) => {
    destroy(error);
    // A Node stream (TLS to an app that answers in HTTPS) is destroyed as Node destroys streams.
    if (stream.destroyed || abandoned) return stream;
    abandoned = { error };
    refuseFurtherRequests(stream);
    // undici destroys a connection with what went wrong (a response head over the limit, an answer
    // that is not HTTP), which ssh2 would drop: passed on, it is what the request fails with, so
    // the visitor and the log hear it, not that the app closed the connection. Its own "aborted"
    // (a visitor who left) needs no error: the request has failed already.
    if (error && (error as NodeJS.ErrnoException).code !== "UND_ERR_INFO") emitError(error);
    if (endHeld) {
      endHeld = false;
      endAbandoned();
    }
    return stream;
  };
  /**
   * An ssh2 channel's destroy() only ends and closes the channel: it is not marked destroyed, emits
   * no 'error', and emits 'close' only after 'end', once the client has closed its side. That 'end'
   * would make undici finish the answer it was in (undiciWouldFinish): throwing as above if its
   * parser is paused, or completing a request it already aborted, which throws too. So the
   * channel then ends as Node ends a destroyed socket, which undici expects: the error (undici
   * notes it, and then finishes nothing when the connection closes), no 'end', and 'close'.
   */
  const endAbandoned = () => {
    if (!undiciWouldFinish(stream)) {
      push(null);
      return;
    }
    if (closeEmitted) return;
    closeEmitted = true;
    emitError(abandoned?.error ?? stoppedReading());
    process.nextTick(() => stream.emit("close"));
  };
  let errorEmitted = false;
  /** After the caller's turn, as Node emits a destroyed stream's error; once. */
  const emitError = (error: Error) => {
    if (errorEmitted) return;
    errorEmitted = true;
    process.nextTick(() => stream.emit("error", error));
  };
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null) {
      readerWaiting = false;
      return push(chunk, encoding);
    }
    if (abandoned) {
      endAbandoned();
      return false;
    }
    const ready = readerWaiting && stream.readableLength === 0 && !undiciParserPaused(stream);
    if (stream.readableFlowing === true || ready) return push(null);
    endHeld = true;
    return false;
  };
  stream.read = (size?: number) => {
    const chunk: unknown = read(size === undefined ? cappedRead(stream) : size);
    // read(0) is the stream's own bookkeeping, not the reader asking for data; a paused parser
    // may have read its last chunk and stopped halfway through it.
    if (chunk === null && size === undefined && !abandoned && !undiciParserPaused(stream)) {
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

/**
 * The most one read() without a size hands undici. undici reads everything buffered whenever its
 * parser resumes, parses until the visitor's side is full again (one 64 KiB piece of a chunked
 * answer, say) and puts the rest back with unshift(). An unlimited read() emptied the buffer, which
 * made the channel ask the SSH client for another window each time, and the rest was put back on
 * top: the channel's buffer grew by a window per piece parsed, without limit (a slow visitor of a
 * chunked answer made the relay take in the whole answer), and each read copied all of it.
 * Capped, a read leaves the buffer over its high-water mark, so no window is asked for until
 * undici really has parsed what was there. 1 MiB, half a window: 256 KiB cost a third of the
 * throughput of four parallel downloads (bench: 453 to 299 MiB/s); 1 MiB costs nothing measurable.
 */
const READ_CAP = 1024 * 1024;

/** The size for a read() without one: all that is buffered, up to READ_CAP (undefined: all). */
function cappedRead(stream: Readable): number | undefined {
  return stream.readableLength > READ_CAP && !stream.readableObjectMode ? READ_CAP : undefined;
}

/**
 * Without an error of undici's own: one it treats as its "aborted" (code UND_ERR_INFO), which fails
 * no other request queued on the connection.
 */
function stoppedReading(): Error {
  return Object.assign(new Error("the relay stopped reading the app's answer"), { code: "UND_ERR_INFO" });
}

/**
 * Marks the connection as one undici sends no more requests on (its own "reset" flag, kept under a
 * symbol so described, as after an answer with `Connection: close`). A destroyed channel is not
 * marked destroyed (above) until the SSH client has confirmed its close, and meanwhile undici took
 * it for a free connection: when a visitor had left before their request went out, undici dropped
 * the request and destroyed its new channel, and the next request went out on that channel and
 * failed as closed by the app (a form's POST, which cannot be sent again, got a 502).
 */
function refuseFurtherRequests(stream: object): void {
  const key = Object.getOwnPropertySymbols(stream).find((symbol) => symbol.description === "reset");
  if (key !== undefined) (stream as Record<symbol, unknown>)[key] = true;
}

/** undici's HTTP/1.1 parser of this stream, by its own record: kept under a symbol described "parser". */
function undiciParser(
  stream: object,
): { paused?: unknown; statusCode?: unknown; shouldKeepAlive?: unknown } | null {
  const key = Object.getOwnPropertySymbols(stream).find((symbol) => symbol.description === "parser");
  const parser: unknown = key === undefined ? undefined : (stream as Record<symbol, unknown>)[key];
  return typeof parser === "object" && parser !== null ? parser : null;
}

/** The parser is in the middle of an answer (it rests between answers with no status). */
function inAnswer(parser: { statusCode?: unknown }): boolean {
  return typeof parser.statusCode === "number" && parser.statusCode > 0;
}

/**
 * Whether undici's parser reading this stream is paused in the middle of an answer (undici's
 * kParser, undici/lib/core/symbols.js). The reads alone do not tell: a parser that paused in the
 * middle of a chunk it read puts the rest back with unshift(), and one paused at the very end of a
 * chunk reads nothing more, so the end of a channel closed by the SSH client right then (a slow
 * visitor's download of a file `python3 -m http.server` sends) looked like the end of a reader
 * waiting for more. Between answers the parser also rests paused, with no status: an end then is
 * not finished but reported as a closed connection, which is safe (and how a pooled channel is let go).
 */
function undiciParserPaused(stream: object): boolean {
  const parser = undiciParser(stream);
  return parser !== null && parser.paused === true && inAnswer(parser);
}

/**
 * Whether an end now would make undici finish the answer it is in: paused (see above), or one that
 * ends with its connection (HTTP/1.0, `Connection: close`), which undici completes at the end. For
 * an abandoned connection that completes a request undici already aborted, and it throws.
 */
function undiciWouldFinish(stream: object): boolean {
  const parser = undiciParser(stream);
  return parser !== null && inAnswer(parser) && (parser.paused === true || parser.shouldKeepAlive === false);
}
