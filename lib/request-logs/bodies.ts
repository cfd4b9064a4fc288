import { z } from "zod";

/**
 * Request and response bodies in the request log, for names whose owner turned "Keep bodies" on:
 * the first BODY_KEEP_BYTES of each, exactly as they crossed the relay (a compressed response stays
 * compressed; body-view.ts decodes it for reading). The rest of a larger body still streams to its
 * destination untouched: keeping a copy never holds a byte back.
 */

/** How much of each body a log row keeps. Enough for API calls and form posts, not for uploads. */
export const BODY_KEEP_BYTES = 64 * 1024;

/**
 * How many kept bytes the relay holds at once for exchanges still under way, all names together.
 * Each keeps at most 2 × 64 KiB, but an exchange can last: a WebSocket until it closes, a slow
 * upload until it ends. Beyond this, bodies are kept only as far as they got (the row says how
 * much), so many such exchanges at once cannot grow the relay without bound.
 */
export const KEPT_IN_FLIGHT_MAX = 64 * 1024 * 1024;

/**
 * Arrival times a side of a WebSocket keeps at most (one per kept chunk, usually one per message):
 * messages beyond them are dated by the last one.
 */
export const FRAME_TIMES_MAX = 2048;

/** The relay's allowance of kept bytes in flight, shared by every exchange's BodyKeepers. */
export class KeepBudget {
  #left: number;

  constructor(max = KEPT_IN_FLIGHT_MAX) {
    this.#left = max;
  }

  /** Bytes that may still be kept now. */
  get left(): number {
    return this.#left;
  }

  /** Up to `wanted` bytes, as many as are left. */
  take(wanted: number): number {
    const granted = Math.min(wanted, this.#left);
    this.#left -= granted;
    return granted;
  }

  give(bytes: number): void {
    this.#left += bytes;
  }
}

/**
 * Collects the first `limit` bytes of a body as it streams past. Each chunk's kept part is copied:
 * a stream may reuse the memory of a chunk it already handed on (a parser's or a decipher's buffer).
 */
export class BodyKeeper {
  readonly #limit: number;
  readonly #budget: KeepBudget | undefined;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #released = false;
  #stopped = false;
  /** Once timed: pairs of (offset in the kept bytes, ms since #zero) for each kept chunk. */
  #times: number[] | null = null;
  #zero = 0;

  constructor(limit = BODY_KEEP_BYTES, budget?: KeepBudget) {
    this.#limit = limit;
    this.#budget = budget;
  }

  /** Bytes kept so far (at most the limit). */
  get kept(): number {
    return this.#kept;
  }

  add(chunk: Buffer): void {
    let room = this.#limit - this.#kept;
    if (room <= 0 || chunk.length === 0 || this.#released || this.#stopped) return;
    if (this.#budget) room = this.#budget.take(Math.min(room, chunk.length));
    if (room <= 0) return;
    const part = Buffer.from(chunk.subarray(0, room));
    if (this.#times && this.#times.length < FRAME_TIMES_MAX * 2) {
      this.#times.push(this.#kept, Math.round((performance.now() - this.#zero) * 10) / 10);
    }
    this.#chunks.push(part);
    this.#kept += part.length;
  }

  /**
   * From now on, notes when each kept chunk arrives, in milliseconds since `zero` (performance.now()
   * when a WebSocket's handshake was answered), so the log can date its messages.
   */
  timeChunks(zero: number): void {
    this.#times = [];
    this.#zero = zero;
  }

  /** (offset, ms) pairs, flat, for the chunks kept since timeChunks; null when not timed. */
  times(): readonly number[] | null {
    return this.#times;
  }

  /**
   * Gives the kept bytes back to the budget, once the row has its copy of them (its hex text); the
   * keeper keeps nothing more after this.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#budget?.give(this.#kept);
  }

  /** Keeps what it has and nothing more (its owner turned Keep bodies off while it was under way). */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Forgets what was kept (its owner deleted the name's kept bodies while this body was under way)
   * and keeps nothing more: the budget gets its bytes back, and the row gets no body.
   */
  discard(): void {
    this.release();
    this.#chunks.length = 0;
    this.#kept = 0;
    this.#times = null;
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

/** Keepers for both bodies of one exchange, drawing on the relay's `budget` when given. */
export function keepBodies(budget?: KeepBudget, limit = BODY_KEEP_BYTES): KeptBodies {
  return { request: new BodyKeeper(limit, budget), response: new BodyKeeper(limit, budget) };
}

/**
 * When each kept chunk of a WebSocket's two sides arrived: flat (offset in that side's kept bytes,
 * milliseconds since the handshake's answer) pairs, in order.
 */
export interface FrameTimes {
  visitor: number[];
  app: number[];
}

/** Both sides' times as the row stores them (JSON); null when neither side was timed. */
export function frameTimesText(bodies: KeptBodies): string | null {
  const visitor = bodies.request.times();
  const app = bodies.response.times();
  if (!visitor && !app) return null;
  return JSON.stringify({ visitor: visitor ?? [], app: app ?? [] });
}

const timesSchema = z
  .array(z.number().nonnegative())
  .max(FRAME_TIMES_MAX * 2)
  .refine((pairs) => pairs.length % 2 === 0);
const frameTimesSchema = z.object({ visitor: timesSchema, app: timesSchema });

/** A row's stored times read back; null when absent or not what frameTimesText writes. */
export function parseFrameTimes(text: string | null): FrameTimes | null {
  if (text === null) return null;
  try {
    return frameTimesSchema.safeParse(JSON.parse(text)).data ?? null;
  } catch {
    return null;
  }
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** True for the hex text a row may carry as a body (even length, lower-case digits only). */
export function isBodyHex(text: string): boolean {
  return HEX.test(text);
}
