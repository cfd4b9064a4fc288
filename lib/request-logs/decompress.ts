import type { Transform } from "node:stream";
import {
  brotliDecompressSync,
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  gunzipSync,
  inflateSync,
} from "node:zlib";

// A kept body is often only the start of the stream: each decoder is told to give what it could
// decode instead of failing on the missing end.
const ZLIB_PARTIAL = { finishFlush: constants.Z_SYNC_FLUSH };
const BROTLI_PARTIAL = { finishFlush: constants.BROTLI_OPERATION_FLUSH };

interface Decoder {
  /** In zlib's thread pool, for the relay (decompressStart). */
  stream(): Transform;
  /** At once, at most `max` bytes out (throws beyond, or on corrupt data), for the dashboard. */
  sync(bytes: Buffer, max: number): Buffer;
}

const GZIP: Decoder = {
  stream: () => createGunzip(ZLIB_PARTIAL),
  sync: (bytes, max) => gunzipSync(bytes, { ...ZLIB_PARTIAL, maxOutputLength: max }),
};

/**
 * The Content-Encoding values the log can read back (a single coding; "identity" needs none): the
 * one list for the relay's searchable copy and the dashboard's view and download.
 */
const DECODERS: Record<string, Decoder> = {
  gzip: GZIP,
  "x-gzip": GZIP,
  deflate: {
    stream: () => createInflate(ZLIB_PARTIAL),
    sync: (bytes, max) => inflateSync(bytes, { ...ZLIB_PARTIAL, maxOutputLength: max }),
  },
  br: {
    stream: () => createBrotliDecompress(BROTLI_PARTIAL),
    sync: (bytes, max) => brotliDecompressSync(bytes, { ...BROTLI_PARTIAL, maxOutputLength: max }),
  },
};

/** The decoder of a coding (lower-case, trimmed), or undefined when the log cannot decode it. */
export function decoderOf(coding: string): Decoder | undefined {
  return Object.hasOwn(DECODERS, coding) ? DECODERS[coding] : undefined;
}

/** The coding of a raw header list's Content-Encoding when the log can decode it, else null. */
export function decodableEncoding(rawHeaders: readonly string[]): string | null {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 16 || rawHeaders[i]!.toLowerCase() !== "content-encoding") continue;
    const coding = rawHeaders[i + 1]!.trim().toLowerCase();
    return decoderOf(coding) ? coding : null;
  }
  return null;
}

/**
 * The first `max` bytes of a compressed body decoded, off the event loop (zlib's thread pool). It
 * stops once `max` bytes are out, so a small body that expands hugely (a zip bomb) costs no more
 * than that. Null when nothing could be decoded.
 */
export function decompressStart(bytes: Buffer, encoding: string, max: number): Promise<Buffer | null> {
  const codec = decoderOf(encoding);
  if (!codec || bytes.length === 0) return Promise.resolve(null);
  const decoder = codec.stream();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      decoder.destroy();
      resolve(size === 0 ? null : Buffer.concat(chunks, size).subarray(0, max));
    };
    decoder.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) finish();
    });
    decoder.once("end", finish);
    // Corrupt data: what came out before it, if anything, is still what the app sent.
    decoder.once("error", finish);
    decoder.end(bytes);
  });
}
