import {
  type BrotliDecompress,
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  type Gunzip,
  type Inflate,
} from "node:zlib";

/** The Content-Encoding values the log can read back (a single coding; "identity" needs none). */
const DECODERS: Record<string, () => Gunzip | Inflate | BrotliDecompress> = {
  gzip: () => createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }),
  "x-gzip": () => createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }),
  deflate: () => createInflate({ finishFlush: constants.Z_SYNC_FLUSH }),
  br: () => createBrotliDecompress({ finishFlush: constants.BROTLI_OPERATION_FLUSH }),
};

/** The coding of a raw header list's Content-Encoding when the log can decode it, else null. */
export function decodableEncoding(rawHeaders: readonly string[]): string | null {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 16 || rawHeaders[i]!.toLowerCase() !== "content-encoding") continue;
    const coding = rawHeaders[i + 1]!.trim().toLowerCase();
    return Object.hasOwn(DECODERS, coding) ? coding : null;
  }
  return null;
}

/**
 * The first `max` bytes of a compressed body decoded, off the event loop (zlib's thread pool). The
 * kept bytes are often only the start of the stream, so the decoder gives what it could decode
 * instead of failing on the missing end; it stops once `max` bytes are out, so a small body that
 * expands hugely (a zip bomb) costs no more than that. Null when nothing could be decoded.
 */
export function decompressStart(bytes: Buffer, encoding: string, max: number): Promise<Buffer | null> {
  const make = Object.hasOwn(DECODERS, encoding) ? DECODERS[encoding] : undefined;
  if (!make || bytes.length === 0) return Promise.resolve(null);
  const decoder = make();
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
