import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";

/**
 * A WebSocket the relay ends itself (its tunnel closed, the relay restarting, the visitor's access
 * ended) would otherwise reach the browser as a bare TCP close: code 1006, "abnormal closure",
 * which apps report as a network fault. The relay pipes the app's frames as bytes, so it follows
 * only where each frame ends (from the headers; payloads are counted, not read) and puts a close
 * frame of its own between two frames, never inside one.
 */
export class FrameBoundaries {
  /** Bytes of the current frame's header seen so far (0 between frames). */
  #have = 0;
  /** Where the header's extended length ends and its whole length, both known from its second byte. */
  #lengthEnd = 2;
  #need = 2;
  /** Payload bytes of the current frame still to come. */
  #remaining = 0;
  /** The payload length, the extended one (16 or 64 bits, big-endian) as it arrives. */
  #length = 0;
  #opcode = 0;
  #closeSeen = false;

  /** Between two frames: nothing of a frame's header or payload is pending. */
  get atBoundary(): boolean {
    return this.#have === 0 && this.#remaining === 0;
  }

  /** The app sent a close frame: the closing handshake is its own. */
  get closeSeen(): boolean {
    return this.#closeSeen;
  }

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - i);
        this.#remaining -= take;
        i += take;
        continue;
      }
      const byte = chunk[i++]!;
      this.#have++;
      if (this.#have === 1) {
        this.#opcode = byte & 0x0f;
      } else if (this.#have === 2) {
        const short = byte & 0x7f;
        this.#lengthEnd = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0);
        this.#need = this.#lengthEnd + ((byte & 0x80) !== 0 ? 4 : 0);
        this.#length = short < 126 ? short : 0;
      } else if (this.#have <= this.#lengthEnd) {
        // Past 2^53 a length loses precision: no frame that big is ever followed to its end anyway.
        this.#length = this.#length * 256 + byte;
      }
      if (this.#have >= 2 && this.#have === this.#need) {
        if (this.#opcode === 0x8) this.#closeSeen = true;
        this.#remaining = this.#length;
        this.#have = 0;
      }
    }
  }
}

/** Close codes the relay sends (RFC 6455 section 7.4.1). */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY_VIOLATION = 1008;

/**
 * A close frame with a status code and a reason of at most 123 bytes: a server's (unmasked), or
 * with `mask` a client's, as the relay speaks to the app for the visitor (RFC 6455 §5.3).
 */
export function closeFrame(code: number, reason: string, mask?: Buffer): Buffer {
  const text = Buffer.from(reason, "utf8").subarray(0, 123);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  if (!mask) return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
  for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask.subarray(0, 4), payload]);
}

/** How long a visitor has to answer the relay's close frame before its socket is destroyed. */
const GOODBYE_GRACE_MS = 1_000;

/**
 * Ends a WebSocket visitor's connection with a close frame when it can be said cleanly, and tells
 * the app the same when its side can take one. `frames` must be fed every byte of the app's that is
 * written to the visitor, `visitorFrames` every byte of the visitor's written to the app, in order.
 */
export class WebSocketGoodbye {
  readonly frames = new FrameBoundaries();
  readonly visitorFrames = new FrameBoundaries();
  #said = false;

  /** `socket`: the visitor's; `channel`: the one to the app, closed at once when the relay says goodbye. */
  constructor(
    readonly socket: Duplex,
    readonly channel: Duplex,
  ) {}

  /**
   * Writes a close frame, ends the visitor's socket (destroyed after a short grace) and closes the
   * app's channel (nothing more goes either way): true. False when no frame can go (the app's
   * frame is half sent, the app began its own closing handshake, the socket is gone): the caller
   * ends the connection as before.
   */
  say(code: number, reason: string): boolean {
    const socket = this.socket;
    if (this.#said || !this.frames.atBoundary || this.frames.closeSeen) return false;
    if (socket.destroyed || !socket.writable) return false;
    this.#said = true;
    socket.end(closeFrame(code, reason));
    setTimeout(() => socket.destroy(), GOODBYE_GRACE_MS).unref();
    // Nothing more of the visitor's goes to the app (its answering close frame included).
    socket.unpipe(this.channel);
    const channel = this.channel;
    if (channel.writable && this.visitorFrames.atBoundary && !this.visitorFrames.closeSeen) {
      // The app's WebSocket server hears 1001 / 1008 too, not a connection dropped (1006).
      channel.end(closeFrame(code, reason, randomBytes(4)));
      setTimeout(() => channel.destroy(), GOODBYE_GRACE_MS).unref();
    } else {
      channel.destroy();
    }
    return true;
  }
}
