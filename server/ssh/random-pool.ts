import { randomFillSync } from "node:crypto";

/** Bytes drawn from the CSPRNG at a time: one draw covers several hundred SSH packets' padding. */
const DEFAULT_POOL_BYTES = 8 * 1024;

/**
 * Random bytes for many small requests, drawn from the CSPRNG in blocks.
 *
 * `crypto.randomFillSync` costs about 7 µs per call here whatever the size (a synchronous crypto
 * job wrapping OpenSSL's RAND_bytes), and ssh2 calls it once per packet it sends, for 4 to 19
 * bytes of padding. Every byte handed out comes from the CSPRNG and is handed out once; the block
 * is refilled when used up. Node's own `crypto.randomUUID` keeps a batch of random bytes the same
 * way, and so does the `ws` package for its masks; OpenSSH draws its padding from a buffered
 * arc4random.
 */
export class RandomPool {
  readonly #pool: Buffer;
  #used: number;
  #served = 0;

  constructor(size = DEFAULT_POOL_BYTES) {
    this.#pool = Buffer.allocUnsafe(size);
    this.#used = size;
  }

  /** Bytes handed out so far. */
  get served(): number {
    return this.#served;
  }

  /** Fills `target[offset, offset + length)` with fresh random bytes. */
  fill(target: Uint8Array, offset: number, length: number): void {
    this.#served += length;
    if (length > this.#pool.length) {
      randomFillSync(target, offset, length);
      return;
    }
    if (this.#used + length > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#used = 0;
    }
    this.#pool.copy(target, offset, this.#used, this.#used + length);
    this.#used += length;
  }
}
