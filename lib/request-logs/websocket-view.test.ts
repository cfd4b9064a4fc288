import assert from "node:assert/strict";
import { test } from "node:test";
import { constants, deflateRawSync } from "node:zlib";
import { close, compressedWithContext, frame } from "../testing/websocket-frames.ts";
import {
  arrivedAt,
  isWebSocket,
  MAX_MESSAGES,
  negotiatedDeflate,
  readSide,
  viewWebSocket,
} from "./websocket-view.ts";

const PLAIN = { on: false, takeover: true };

test("a browser's masked frames and an app's plain ones read as the messages that were sent", () => {
  const visitor = Buffer.concat([
    frame(1, '{"join":"room <1>"}', { mask: true }),
    frame(2, Buffer.from([0xde, 0xad, 0xbe, 0xef]), { mask: true }),
    frame(9, "are you there", { mask: true }),
    close(1000, "bye", true),
  ]);
  const side = readSide(visitor, visitor.length, PLAIN);
  assert.equal(side.problem, null);
  assert.deepEqual(
    side.messages.map((m) => [m.kind, m.text, m.size, m.code, m.preview]),
    [
      ["text", '{"join":"room <1>"}', 19, null, null],
      ["binary", null, 4, null, "deadbeef"],
      ["ping", "are you there", 13, null, null],
      ["close", "bye", 5, 1000, null],
    ],
  );
  const app = Buffer.concat([frame(1, "welcome"), frame(10, ""), close(1001, "")]);
  assert.deepEqual(
    readSide(app, app.length, PLAIN).messages.map((m) => [m.kind, m.text, m.code]),
    [
      ["text", "welcome", null],
      ["pong", "", null],
      ["close", "", 1001],
    ],
  );
});

test("fragments are put together around a control frame; lengths of 16 and 64 bits are read", () => {
  const big = "x".repeat(70_000);
  const bytes = Buffer.concat([
    frame(1, "Hello, ", { fin: false }),
    frame(9, "ping in between"),
    frame(0, "wor", { fin: false }),
    frame(0, "ld"),
    frame(1, "y".repeat(300)),
    frame(1, big),
  ]);
  const side = readSide(bytes, bytes.length, PLAIN);
  assert.equal(side.problem, null);
  assert.deepEqual(
    side.messages.map((m) => [m.kind, m.text?.length, m.text?.slice(0, 12)]),
    [
      ["ping", 15, "ping in betw"],
      ["text", 12, "Hello, world"],
      ["text", 300, "yyyyyyyyyyyy"],
      ["text", 70_000, "xxxxxxxxxxxx"],
    ],
  );
});

test("bytes kept only in part end in a partial message; what is after the cut is not guessed", () => {
  const bytes = Buffer.concat([frame(1, "first"), frame(1, "second message, long enough to cut")]);
  const kept = bytes.subarray(0, bytes.length - 10);
  const side = readSide(kept, bytes.length, PLAIN);
  assert.equal(side.problem, null);
  assert.equal(side.kept, kept.length);
  assert.equal(side.size, bytes.length);
  assert.deepEqual(
    side.messages.map((m) => [m.text, m.partial]),
    [
      ["first", false],
      ["second message, long eno", true],
    ],
  );
  // Cut inside the next frame's header: nothing is made up from it.
  assert.equal(readSide(bytes.subarray(0, frame(1, "first").length + 1), 99, PLAIN).messages.length, 1);
});

test("permessage-deflate messages are decompressed, whether each refers back to the last or not", async () => {
  const texts = ["the same words again", "the same words again", "and the same words again, changed"];
  // With context takeover the second message is mostly a back-reference to the first.
  const shared = await compressedWithContext(texts);
  assert.ok(shared[1]!.length < shared[0]!.length, "the second leans on the first");
  const visitor = Buffer.concat(shared.map((data) => frame(1, data, { rsv1: true, mask: true })));
  const side = readSide(visitor, visitor.length, { on: true, takeover: true });
  assert.equal(side.problem, null);
  assert.deepEqual(
    side.messages.map((m) => [m.text, m.compressed]),
    texts.map((text) => [text, true]),
  );

  const separate = Buffer.concat(
    texts.map((text) =>
      frame(1, deflateRawSync(text, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4), { rsv1: true }),
    ),
  );
  assert.deepEqual(
    readSide(separate, separate.length, { on: true, takeover: false }).messages.map((m) => m.text),
    texts,
  );
  // A message sent uncompressed on a compressing connection is read as it is.
  const mixed = Buffer.concat([frame(1, shared[0]!, { rsv1: true }), frame(1, "plain")]);
  assert.deepEqual(
    readSide(mixed, mixed.length, { on: true, takeover: true }).messages.map((m) => [m.text, m.compressed]),
    [
      [texts[0], true],
      ["plain", false],
    ],
  );
});

test("what is not WebSocket framing, or decompresses beyond 1 MiB, is said instead of shown", () => {
  const http = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const notFrames = readSide(http, http.length, PLAIN);
  assert.equal(notFrames.problem, "Not WebSocket frames from here on.");
  // A compressed frame on a connection that did not agree to permessage-deflate.
  const unexpected = Buffer.concat([frame(1, "ok"), frame(1, "zz", { rsv1: true })]);
  const stopped = readSide(unexpected, unexpected.length, PLAIN);
  assert.deepEqual(
    stopped.messages.map((m) => m.text),
    ["ok"],
  );
  assert.equal(stopped.problem, "Compressed by an extension other than permessage-deflate: not shown.");
  const bomb = deflateRawSync(Buffer.alloc(2 * 1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
  const exploded = readSide(frame(2, bomb.subarray(0, -4), { rsv1: true }), 99, { on: true, takeover: true });
  assert.equal(exploded.problem, "Decompressed, the messages go on beyond 1 MiB.");
  const corrupt = readSide(frame(1, Buffer.from([0xff, 0xff, 0xff]), { rsv1: true }), 9, {
    on: true,
    takeover: true,
  });
  assert.match(corrupt.problem ?? "", /could not be decoded/);
});

test("decoding stops once it has cost enough, however small each message is", async () => {
  // Each small message refers back to a large first one, which is decoded again with each.
  const texts = ["a".repeat(900_000), ...Array.from({ length: 30 }, (_, i) => `small ${i}`)];
  const frames = (await compressedWithContext(texts)).map((data) => frame(1, data, { rsv1: true }));
  const side = readSide(Buffer.concat(frames), 99, { on: true, takeover: true });
  assert.equal(side.problem, "Too much to decompress: the rest is not shown.");
  assert.ok(
    side.messages.length > 10 && side.messages.length < texts.length,
    `${side.messages.length} listed`,
  );
  assert.equal(side.messages[1]?.text, "small 0");
});

test("a long conversation lists its first messages and counts the rest", () => {
  const bytes = Buffer.concat(Array.from({ length: MAX_MESSAGES + 25 }, (_, i) => frame(1, `m${i}`)));
  const side = readSide(bytes, bytes.length, PLAIN);
  assert.equal(side.messages.length, MAX_MESSAGES);
  assert.equal(side.more, 25);
  assert.equal(side.messages.at(-1)?.text, `m${MAX_MESSAGES - 1}`);
});

test("the handshake says whether messages are compressed, and which side keeps its context", () => {
  assert.deepEqual(negotiatedDeflate([["Sec-WebSocket-Extensions", "permessage-deflate"]]), {
    on: true,
    visitorTakeover: true,
    appTakeover: true,
  });
  assert.deepEqual(
    negotiatedDeflate([
      [
        "sec-websocket-extensions",
        "x-other, permessage-deflate; client_max_window_bits=15; Server_No_Context_Takeover",
      ],
    ]),
    { on: true, visitorTakeover: true, appTakeover: false },
  );
  assert.equal(negotiatedDeflate([["Upgrade", "websocket"]]).on, false);
  assert.equal(negotiatedDeflate(null).on, false);
  assert.equal(isWebSocket(101, [["Upgrade", "WebSocket"]]), true);
  assert.equal(isWebSocket(426, [["Upgrade", "websocket"]]), false);
  assert.equal(isWebSocket(101, [["Upgrade", "h2c"]]), false);
});

test("both sides of a connection, as the details show them", () => {
  const view = viewWebSocket(
    { request: frame(1, "hi", { mask: true }), response: null },
    { bytesIn: 8, bytesOut: 0 },
    [["Sec-WebSocket-Extensions", "permessage-deflate; client_no_context_takeover"]],
  );
  assert.equal(view.compressed, true);
  assert.deepEqual(
    view.visitor.messages.map((m) => m.text),
    ["hi"],
  );
  assert.deepEqual(view.app, { messages: [], more: 0, size: 0, kept: 0, problem: null });
});

test("messages are dated by the chunk their first byte arrived in; rows without times are not", () => {
  const first = frame(1, "hello", { mask: true });
  const second = frame(1, "split", { mask: true, fin: false });
  const rest = frame(0, " in two", { mask: true });
  const bytes = Buffer.concat([first, second, rest, frame(9, "")]);
  // Chunks: the first message alone at 0.5 ms; the second's frames at 1200 ms and 1300 ms (the ping
  // came in the same chunk as the end).
  const times = [0, 0.5, first.length, 1200, first.length + second.length, 1300];
  const side = readSide(bytes, bytes.length, PLAIN, times);
  assert.deepEqual(
    side.messages.map((m) => [m.kind, m.text, m.atMs]),
    [
      ["text", "hello", 0.5],
      ["text", "split in two", 1200],
      ["ping", "", 1300],
    ],
  );
  assert.deepEqual(
    readSide(bytes, bytes.length, PLAIN).messages.map((m) => m.atMs),
    [null, null, null],
  );
  assert.equal(arrivedAt([5, 10], 2), null, "before the first noted chunk");
  assert.equal(arrivedAt([], 0), null);
  assert.equal(arrivedAt([0, 1, 10, 2, 20, 3, 30, 4], 29), 3);
  assert.equal(arrivedAt([0, 1, 10, 2, 20, 3, 30, 4], 30), 4);
});
