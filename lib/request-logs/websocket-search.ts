import { constants, createInflateRaw, inflateRaw } from "node:zlib";
import { BODY_KEEP_BYTES } from "./bodies.ts";
import { DEFLATE_TAIL, type NegotiatedDeflate, type SentMessage, sentMessages } from "./websocket-view.ts";

/** Decompressed bytes a side may make in all: beyond, the rest of its messages are not searched. */
const INFLATE_MAX = 1024 * 1024;

/**
 * What _Bodies contain_ searches for a WebSocket connection (stored as its row's decoded body):
 * the text messages each side sent, as they read (unmasked, fragments joined, decompressed), one a
 * line, the visitor's before the app's. Browsers mask every frame and most servers compress, so
 * the kept bytes themselves rarely contain the words. At most BODY_KEEP_BYTES, half for each side
 * unless the other needs less. Decompression runs in zlib's thread pool, never on the relay's
 * event loop. Null when no text message was kept.
 */
export async function websocketSearchText(
  kept: { request: Buffer; response: Buffer },
  deflate: NegotiatedDeflate,
): Promise<Buffer | null> {
  const [visitor, app] = await Promise.all([
    sideText(kept.request, deflate.on, deflate.visitorTakeover),
    sideText(kept.response, deflate.on, deflate.appTakeover),
  ]);
  const half = BODY_KEEP_BYTES / 2;
  const visitorShare = Math.max(half, BODY_KEEP_BYTES - app.length);
  const text = Buffer.concat([
    visitor.subarray(0, visitorShare),
    app.subarray(0, BODY_KEEP_BYTES - Math.min(visitor.length, visitorShare)),
  ]);
  return text.length === 0 ? null : text;
}

/** One side's text messages, each followed by a newline, until its bytes stop making sense. */
async function sideText(kept: Buffer, deflate: boolean, takeover: boolean): Promise<Buffer> {
  const { messages } = sentMessages(kept, deflate);
  const texts: Buffer[] = [];
  let size = 0;
  const inflater = takeover ? contextInflater() : separateInflater();
  try {
    for (const message of messages) {
      if (size >= BODY_KEEP_BYTES) break;
      if (message.kind !== "text" && message.kind !== "binary") continue;
      // With context takeover a binary message's bytes are part of the context: decoded too.
      const payload = message.compressed ? await inflater.inflate(message) : message.payload;
      if (payload === null) break;
      if (message.kind !== "text") continue;
      texts.push(payload, NEWLINE);
      size += payload.length + 1;
    }
  } finally {
    inflater.close();
  }
  return Buffer.concat(texts);
}

const NEWLINE = Buffer.from("\n");

interface MessageInflater {
  /** The message's payload decompressed; null once the side cannot be decoded any further. */
  inflate(message: SentMessage): Promise<Buffer | null>;
  close(): void;
}

function input(message: SentMessage): Buffer {
  // A message the kept bytes cut short is decoded as far as it goes.
  return message.partial ? message.payload : Buffer.concat([message.payload, DEFLATE_TAIL]);
}

/** Messages that each start a fresh compression context (*_no_context_takeover). */
function separateInflater(): MessageInflater {
  let left = INFLATE_MAX;
  return {
    inflate(message) {
      if (left <= 0) return Promise.resolve(null);
      return new Promise((resolve) => {
        inflateRaw(
          input(message),
          { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: left },
          (error, out) => {
            if (error) return resolve(null);
            left -= out.length;
            resolve(out);
          },
        );
      });
    },
    close() {},
  };
}

/**
 * Messages that share one compression context (the default): one inflate stream, flushed after
 * each message, so each is decoded once. Stops (null from then on) when the data is corrupt or the
 * side has made INFLATE_MAX bytes.
 */
function contextInflater(): MessageInflater {
  const stream = createInflateRaw();
  let out: Buffer[] = [];
  let made = 0;
  let stopped = false;
  let waiting: ((payload: Buffer | null) => void) | null = null;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stream.destroy();
    waiting?.(null);
    waiting = null;
  };
  stream.on("data", (chunk: Buffer) => {
    made += chunk.length;
    if (made > INFLATE_MAX) stop();
    else out.push(chunk);
  });
  stream.on("error", stop);
  return {
    inflate(message) {
      if (stopped) return Promise.resolve(null);
      return new Promise((resolve) => {
        waiting = resolve;
        stream.write(input(message));
        stream.flush(constants.Z_SYNC_FLUSH, () => {
          if (stopped) return;
          waiting = null;
          const payload = Buffer.concat(out);
          out = [];
          resolve(payload);
        });
      });
    },
    close: stop,
  };
}
