import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { closeFrame, FrameBoundaries, WebSocketGoodbye } from "./websocket-goodbye.ts";

/** One frame as RFC 6455 lays it out: FIN + opcode, length (7, 16 or 64 bits), mask key, payload. */
function frame(opcode: number, payload: Buffer, masked = false): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x80 | opcode, n])
      : n < 65_536
        ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigEndian64(n)]);
  if (masked) head[1]! |= 0x80;
  const mask = masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
  const body = masked ? payload.map((byte, i) => byte ^ mask[i % 4]!) : payload;
  return Buffer.concat([head, mask, body]);
}

function bigEndian64(n: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(n));
  return out;
}

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;

test("frame boundaries: at a boundary only after whole frames, whatever the lengths and however they are split", () => {
  const frames = [
    frame(TEXT, Buffer.alloc(0)),
    frame(TEXT, Buffer.from("hello")),
    frame(BINARY, Buffer.alloc(125, 1)),
    frame(BINARY, Buffer.alloc(126, 2)),
    frame(BINARY, Buffer.alloc(70_000, 3)),
    frame(TEXT, Buffer.from("masked"), true),
    frame(BINARY, Buffer.alloc(300, 4), true),
  ];
  const stream = Buffer.concat(frames);
  const ends = new Set<number>();
  let offset = 0;
  for (const f of frames) {
    offset += f.length;
    ends.add(offset);
  }

  // Byte by byte: a boundary exactly where a frame ends, nowhere else.
  const byByte = new FrameBoundaries();
  assert.equal(byByte.atBoundary, true);
  for (let i = 0; i < stream.length; i++) {
    byByte.feed(stream.subarray(i, i + 1));
    assert.equal(byByte.atBoundary, ends.has(i + 1), `after byte ${i + 1}`);
  }

  // In chunks of odd sizes, header bytes split across chunks included.
  for (const size of [3, 7, 1000, 65_536]) {
    const chunked = new FrameBoundaries();
    for (let i = 0; i < stream.length; i += size) {
      chunked.feed(stream.subarray(i, i + size));
      const end = Math.min(i + size, stream.length);
      assert.equal(chunked.atBoundary, ends.has(end), `chunks of ${size}, after ${end}`);
    }
  }
  assert.equal(byByte.closeSeen, false);
});

test("frame boundaries: the app's own close frame is noticed", () => {
  const frames = new FrameBoundaries();
  frames.feed(Buffer.concat([frame(TEXT, Buffer.from("bye")), frame(CLOSE, Buffer.from([0x03, 0xe8]))]));
  assert.equal(frames.closeSeen, true);
  assert.equal(frames.atBoundary, true);
});

test("closeFrame: a server close frame with its code and a reason cut to 123 bytes", () => {
  const frame = closeFrame(1001, "Relay restarting");
  assert.equal(frame[0], 0x88);
  assert.equal(frame[1], 2 + "Relay restarting".length);
  assert.equal(frame.readUInt16BE(2), 1001);
  assert.equal(frame.subarray(4).toString(), "Relay restarting");
  const long = closeFrame(1008, "x".repeat(500));
  assert.equal(long[1], 125);
  assert.equal(long.length, 127);
});

test("closeFrame with a mask: a client's close frame, the payload masked with it", () => {
  const mask = Buffer.from([9, 8, 7, 6]);
  const frame = closeFrame(1001, "Relay restarting", mask);
  assert.equal(frame[0], 0x88);
  assert.equal(frame[1], 0x80 | (2 + "Relay restarting".length));
  assert.deepEqual(frame.subarray(2, 6), mask);
  const payload = frame.subarray(6).map((byte, i) => byte ^ mask[i % 4]!);
  assert.equal(Buffer.from(payload).readUInt16BE(0), 1001);
  assert.equal(Buffer.from(payload).subarray(2).toString(), "Relay restarting");
  // What FrameBoundaries reads as one whole close frame.
  const frames = new FrameBoundaries();
  frames.feed(frame);
  assert.equal(frames.closeSeen, true);
  assert.equal(frames.atBoundary, true);
});

test("goodbye: said between frames, not inside one, not after the app's close, and only once", async () => {
  const written: Buffer[] = [];
  const socket = new PassThrough();
  socket.on("data", (chunk: Buffer) => written.push(chunk));
  const channel = new PassThrough();
  const goodbye = new WebSocketGoodbye(socket, channel);

  const half = frame(BINARY, Buffer.alloc(1000));
  goodbye.frames.feed(half.subarray(0, 500));
  assert.equal(goodbye.say(1001, "The tunnel closed"), false, "inside a frame");
  goodbye.frames.feed(half.subarray(500));
  assert.equal(goodbye.say(1001, "The tunnel closed"), true);
  assert.equal(goodbye.say(1001, "The tunnel closed"), false, "only once");
  await new Promise(setImmediate);
  assert.deepEqual(Buffer.concat(written), closeFrame(1001, "The tunnel closed"));
  // The app is told too, with a client's (masked) close frame, and its channel ended.
  assert.equal(channel.writableEnded, true, "nothing more goes to the app");
  const toApp = channel.read() as Buffer;
  const toAppFrames = new FrameBoundaries();
  toAppFrames.feed(toApp);
  assert.equal(toAppFrames.closeSeen, true);
  assert.equal(toApp[1]! & 0x80, 0x80, "masked, as a client's frames are");

  // Inside a visitor's frame, the app's channel is only closed.
  const midFrame = new PassThrough();
  const cut = new WebSocketGoodbye(new PassThrough(), midFrame);
  cut.visitorFrames.feed(frame(TEXT, Buffer.from("hello"), true).subarray(0, 4));
  assert.equal(cut.say(1001, "Relay restarting"), true);
  assert.equal(midFrame.destroyed, true);

  const other = new WebSocketGoodbye(new PassThrough(), new PassThrough());
  other.frames.feed(frame(CLOSE, Buffer.from([0x03, 0xe8])));
  assert.equal(other.say(1001, "The tunnel closed"), false, "the app is closing it itself");
});
