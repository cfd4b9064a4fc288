/**
 * Request and response bodies in the request log, for names whose owner turned "Keep bodies" on:
 * the first BODY_KEEP_BYTES of each, exactly as they crossed the relay (a compressed response stays
 * compressed; body-view.ts decodes it for reading). The rest of a larger body still streams to its
 * destination untouched: keeping a copy never holds a byte back.
 */

/** How much of each body a log row keeps. Enough for API calls and form posts, not for uploads. */
export const BODY_KEEP_BYTES = 64 * 1024;

/**
 * Collects the first `limit` bytes of a body as it streams past. Each chunk's kept part is copied:
 * a stream may reuse the memory of a chunk it already handed on (a parser's or a decipher's buffer).
 */
export class BodyKeeper {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;

  constructor(limit = BODY_KEEP_BYTES) {
    this.#limit = limit;
  }

  /** Bytes kept so far (at most the limit). */
  get kept(): number {
    return this.#kept;
  }

  add(chunk: Buffer): void {
    const room = this.#limit - this.#kept;
    if (room <= 0 || chunk.length === 0) return;
    const part = Buffer.from(chunk.subarray(0, room));
    this.#chunks.push(part);
    this.#kept += part.length;
  }

  /** The kept bytes. */
  bytes(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#kept);
  }

  /** The kept bytes as hex, the form the log row carries them in (COPY and JSON both take it). */
  hex(): string {
    return this.bytes().toString("hex");
  }
}

/** Both bodies of one exchange, present only when its name keeps bodies. */
export interface KeptBodies {
  request: BodyKeeper;
  response: BodyKeeper;
}

export function keepBodies(limit = BODY_KEEP_BYTES): KeptBodies {
  return { request: new BodyKeeper(limit), response: new BodyKeeper(limit) };
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** True for the hex text a row may carry as a body (even length, lower-case digits only). */
export function isBodyHex(text: string): boolean {
  return HEX.test(text);
}
