import { constants, inflateRawSync } from "node:zlib";
import type { FrameTimes } from "./bodies.ts";
import { type HeaderPair, storedHeader } from "./headers.ts";

/**
 * A WebSocket connection's kept bytes made readable for the request details: the frames each side
 * sent after the handshake (RFC 6455), unmasked, put together into messages and, when the two
 * agreed on permessage-deflate (RFC 7692, what browsers and most servers use), decompressed. The
 * relay keeps the bytes as they crossed it (bodies.ts); this runs on the dashboard's server, and its
 * frame reading (sentMessages) also in the relay, for the searchable text (websocket-search.ts).
 */

export type MessageKind = "text" | "binary" | "close" | "ping" | "pong";

export interface WebSocketMessage {
  kind: MessageKind;
  /** Payload bytes as the application sent them (after decompression), as far as they were kept. */
  size: number;
  /** A text message, a close frame's reason, or a ping's or pong's payload when it is text; else null. */
  text: string | null;
  /** A close frame's status code (1000 normal, 1001 going away…). */
  code: number | null;
  /** The first bytes of a binary message in hex, for recognising it. */
  preview: string | null;
  /** Sent compressed (permessage-deflate). */
  compressed: boolean;
  /** The kept bytes end inside this message: this is its start. */
  partial: boolean;
  /**
   * When its first byte crossed the relay, in milliseconds after the app switched protocols; null
   * for rows logged before the relay noted times.
   */
  atMs: number | null;
}

export interface WebSocketSide {
  /** The first MAX_MESSAGES messages in the kept bytes, in order. */
  messages: WebSocketMessage[];
  /** Messages in the kept bytes beyond those listed. */
  more: number;
  /** Bytes this side sent after the handshake (the row's count), kept or not. */
  size: number;
  /** Bytes the log kept of them (the first ones). */
  kept: number;
  /** Why the rest of the kept bytes could not be read; null when all of them were. */
  problem: string | null;
}

export interface WebSocketView {
  /** What the visitor's browser sent. */
  visitor: WebSocketSide;
  /** What the app sent. */
  app: WebSocketSide;
  /** The connection used permessage-deflate. */
  compressed: boolean;
}

/** More than this many messages of one side are counted, not listed. */
export const MAX_MESSAGES = 200;
/** Decompressed, one side's messages stop here: the details show text, not a zip bomb's output. */
const DECODED_MAX = 1024 * 1024;
/**
 * Bytes the decoder may produce in all for one side, earlier messages decoded again included
 * (context takeover): bounds what one view costs the dashboard, whatever a peer sent.
 */
const INFLATE_WORK_MAX = 16 * 1024 * 1024;
/** The bytes of a binary message shown as its preview. */
const PREVIEW_BYTES = 16;
/** What a sender strips from the end of each compressed message (RFC 7692 §7.2.1). */
export const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

const KINDS: Record<number, MessageKind> = { 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong" };

/** One frame, unmasked; `partial` when the kept bytes end inside it. */
interface Frame {
  /** Where it starts in the kept bytes. */
  offset: number;
  fin: boolean;
  compressed: boolean;
  opcode: number;
  payload: Buffer;
  partial: boolean;
}

/** Why a side's bytes stop being readable part way (shown in its place). */
class FramingError extends Error {}

const TOO_LARGE = "Decompressed, the messages go on beyond 1 MiB.";

/**
 * The frames in `bytes`. Stops, with the reason, at anything that is not WebSocket framing (the
 * connection upgraded to another protocol) or uses an extension the dashboard does not read.
 */
function readFrames(bytes: Buffer, deflate: boolean): { frames: Frame[]; problem: string | null } {
  const frames: Frame[] = [];
  let at = 0;
  try {
    while (at < bytes.length) {
      if (bytes.length - at < 2) return { frames, problem: null };
      const b0 = bytes[at]!;
      const b1 = bytes[at + 1]!;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x30) !== 0 || (opcode !== 0 && !(opcode in KINDS))) {
        throw new FramingError("Not WebSocket frames from here on.");
      }
      if ((b0 & 0x40) !== 0 && !deflate) {
        throw new FramingError("Compressed by an extension other than permessage-deflate: not shown.");
      }
      let length = b1 & 0x7f;
      let head = 2;
      if (length === 126) {
        if (bytes.length - at < 4) return { frames, problem: null };
        length = bytes.readUInt16BE(at + 2);
        head = 4;
      } else if (length === 127) {
        if (bytes.length - at < 10) return { frames, problem: null };
        const long = bytes.readBigUInt64BE(at + 2);
        if (long > BigInt(Number.MAX_SAFE_INTEGER))
          throw new FramingError("A frame claims an impossible length.");
        length = Number(long);
        head = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const key = masked ? bytes.subarray(at + head, at + head + 4) : null;
      if (masked) head += 4;
      if (bytes.length - at < head) return { frames, problem: null };
      if (opcode >= 8 && (length > 125 || (b0 & 0x80) === 0)) {
        throw new FramingError("A control frame breaks the protocol's rules.");
      }
      const start = at + head;
      const end = Math.min(start + length, bytes.length);
      const payload = Buffer.from(bytes.subarray(start, end));
      if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
      frames.push({
        offset: at,
        fin: (b0 & 0x80) !== 0,
        compressed: (b0 & 0x40) !== 0,
        opcode,
        payload,
        partial: start + length > bytes.length,
      });
      at = start + length;
    }
    return { frames, problem: null };
  } catch (error) {
    if (error instanceof FramingError) return { frames, problem: error.message };
    throw error;
  }
}

/**
 * Decompresses one side's messages in order. With context takeover (the default) each message
 * refers back to the ones before it, so each is decoded together with all earlier ones and its part
 * of the output taken: at most MAX_MESSAGES of them, from at most 64 KiB of kept bytes.
 */
class Inflater {
  readonly #takeover: boolean;
  readonly #history: Buffer[] = [];
  #decodedSoFar = 0;
  #total = 0;
  #work = 0;

  constructor(takeover: boolean) {
    this.#takeover = takeover;
  }

  inflate(data: Buffer, partial: boolean): Buffer {
    const input = partial ? data : Buffer.concat([data, DEFLATE_TAIL]);
    if (!this.#takeover) return this.#count(this.#run(input));
    this.#history.push(input);
    const all = this.#run(Buffer.concat(this.#history));
    const mine = all.subarray(this.#decodedSoFar);
    this.#decodedSoFar = all.length;
    return this.#count(mine);
  }

  #run(input: Buffer): Buffer {
    try {
      const out = inflateRawSync(input, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: DECODED_MAX,
      });
      this.#work += out.length;
      if (this.#work > INFLATE_WORK_MAX)
        throw new FramingError("Too much to decompress: the rest is not shown.");
      return out;
    } catch (error) {
      if (error instanceof FramingError) throw error;
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new FramingError(TOO_LARGE);
      throw new FramingError(
        "A compressed message could not be decoded; the ones after it cannot be either.",
      );
    }
  }

  #count(out: Buffer): Buffer {
    this.#total += out.length;
    if (this.#total > DECODED_MAX) throw new FramingError(TOO_LARGE);
    return out;
  }
}

function toMessage(
  kind: MessageKind,
  payload: Buffer,
  compressed: boolean,
  partial: boolean,
  atMs: number | null,
): WebSocketMessage {
  const control = kind === "close" || kind === "ping" || kind === "pong";
  const code = kind === "close" && payload.length >= 2 ? payload.readUInt16BE(0) : null;
  const textBytes = kind === "close" ? payload.subarray(Math.min(2, payload.length)) : payload;
  const text = kind === "text" || (control && isUtf8Text(textBytes)) ? textBytes.toString("utf8") : null;
  return {
    kind,
    size: payload.length,
    text,
    code,
    preview: kind === "binary" ? payload.subarray(0, PREVIEW_BYTES).toString("hex") : null,
    compressed,
    partial,
    atMs,
  };
}

function isUtf8Text(bytes: Buffer): boolean {
  try {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters mean binary
    return !/[\u0000-\u0008\u000e-\u001f]/.test(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return false;
  }
}

/** One message put together from its frames; a data message's payload still compressed if it was. */
export interface SentMessage {
  kind: MessageKind;
  payload: Buffer;
  compressed: boolean;
  /** The kept bytes end inside it. */
  partial: boolean;
  /** Where its first frame starts in the kept bytes. */
  offset: number;
}

/**
 * One side's messages in its kept bytes, in order, fragments joined and unmasked (not yet
 * decompressed), and why reading stopped early if it did (the messages before that are kept).
 */
export function sentMessages(
  kept: Buffer,
  deflate: boolean,
): { messages: SentMessage[]; problem: string | null } {
  const { frames, problem } = readFrames(kept, deflate);
  const messages: SentMessage[] = [];
  let open: { kind: MessageKind; compressed: boolean; parts: Buffer[]; offset: number } | null = null;
  const finish = (partial: boolean) => {
    const { kind, compressed, parts, offset } = open!;
    open = null;
    const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    messages.push({ kind, payload, compressed, partial, offset });
  };
  for (const frame of frames) {
    if (frame.opcode >= 8) {
      const kind = KINDS[frame.opcode]!;
      messages.push({
        kind,
        payload: frame.payload,
        compressed: false,
        partial: frame.partial,
        offset: frame.offset,
      });
      continue;
    }
    if (frame.opcode === 0) {
      if (!open) return { messages, problem: "A continuation frame without a message to continue." };
      open.parts.push(frame.payload);
    } else {
      if (open) return { messages, problem: "A message starts before the previous one ended." };
      open = {
        kind: KINDS[frame.opcode]!,
        compressed: frame.compressed,
        parts: [frame.payload],
        offset: frame.offset,
      };
    }
    if (frame.fin || frame.partial) finish(frame.partial || !frame.fin);
  }
  // The kept bytes ended between the fragments of a message.
  if (open) finish(true);
  return { messages, problem };
}

/**
 * When the byte at `offset` crossed the relay: the time of the last kept chunk starting at or
 * before it (`times` as BodyKeeper notes them: flat offset, ms pairs in order).
 */
export function arrivedAt(times: readonly number[] | null, offset: number): number | null {
  if (!times || times.length < 2 || times[0]! > offset) return null;
  let low = 0;
  let high = times.length / 2 - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (times[mid * 2]! <= offset) low = mid;
    else high = mid - 1;
  }
  return times[low * 2 + 1]!;
}

/** One side's messages from its kept bytes, dated by `times` when the relay noted them. */
export function readSide(
  kept: Buffer,
  size: number,
  deflate: { on: boolean; takeover: boolean },
  times: readonly number[] | null = null,
): WebSocketSide {
  const { messages: sent, problem: framing } = sentMessages(kept, deflate.on);
  const messages: WebSocketMessage[] = [];
  let problem = framing;
  const inflater = new Inflater(deflate.takeover);
  try {
    // Messages past the listed ones are only counted: not even decompressed.
    for (const m of sent.slice(0, MAX_MESSAGES)) {
      const payload = m.compressed ? inflater.inflate(m.payload, m.partial) : m.payload;
      messages.push(toMessage(m.kind, payload, m.compressed, m.partial, arrivedAt(times, m.offset)));
    }
  } catch (error) {
    if (!(error instanceof FramingError)) throw error;
    problem = error.message;
  }
  return { messages, more: sent.length - messages.length, size, kept: kept.length, problem };
}

/** permessage-deflate as a WebSocket connection negotiated it. */
export interface NegotiatedDeflate {
  on: boolean;
  /** Each side keeps its compression context between messages (the default). */
  visitorTakeover: boolean;
  appTakeover: boolean;
}

/**
 * permessage-deflate as the app's handshake answer accepted it, and whether each side keeps its
 * compression context between messages (the default; *_no_context_takeover turns it off).
 */
export function negotiatedDeflate(responseHeaders: readonly HeaderPair[] | null): NegotiatedDeflate {
  return deflateOf(storedHeader(responseHeaders, "sec-websocket-extensions"));
}

/** negotiatedDeflate from the answer's Sec-WebSocket-Extensions value (null: none). */
export function deflateOf(extensions: string | null): NegotiatedDeflate {
  const offer = (extensions ?? "")
    .split(",")
    .map((extension) => extension.split(";").map((part) => part.trim().toLowerCase()))
    .find(([extension]) => extension === "permessage-deflate");
  return {
    on: offer !== undefined,
    visitorTakeover: !offer?.includes("client_no_context_takeover"),
    appTakeover: !offer?.includes("server_no_context_takeover"),
  };
}

/** True for a row whose connection became a WebSocket: a 101 answer to an Upgrade: websocket. */
export function isWebSocket(status: number, requestHeaders: readonly HeaderPair[] | null): boolean {
  return status === 101 && /^websocket$/i.test(storedHeader(requestHeaders, "upgrade")?.trim() ?? "");
}

/** Both sides of a WebSocket connection's kept bytes, read. `bytesIn`/`bytesOut` are the row's counts. */
export function viewWebSocket(
  kept: { request: Buffer | null; response: Buffer | null },
  counts: { bytesIn: number; bytesOut: number },
  responseHeaders: readonly HeaderPair[] | null,
  times: FrameTimes | null = null,
): WebSocketView {
  const deflate = negotiatedDeflate(responseHeaders);
  return {
    visitor: readSide(
      kept.request ?? Buffer.alloc(0),
      counts.bytesIn,
      { on: deflate.on, takeover: deflate.visitorTakeover },
      times?.visitor ?? null,
    ),
    app: readSide(
      kept.response ?? Buffer.alloc(0),
      counts.bytesOut,
      { on: deflate.on, takeover: deflate.appTakeover },
      times?.app ?? null,
    ),
    compressed: deflate.on,
  };
}
