import assert from "node:assert/strict";
import { test } from "node:test";
import { constants, deflateRawSync } from "node:zlib";
import { close, compressedWithContext, frame } from "../testing/websocket-frames.ts";
import { BODY_KEEP_BYTES } from "./bodies.ts";
import { websocketSearchText } from "./websocket-search.ts";
import { deflateOf } from "./websocket-view.ts";

const DEFLATE = "permessage-deflate";
const NO_TAKEOVER = "permessage-deflate; client_no_context_takeover; server_no_context_takeover";

/** What is searched, as text, with this Sec-WebSocket-Extensions answer (null: none). */
const text = async (request: Buffer, response: Buffer, extensions: string | null) =>
  (await websocketSearchText({ request, response }, deflateOf(extensions)))?.toString("utf8") ?? null;

test("a browser's masked messages and an app's compressed ones are searched as the text they carry", async () => {
  const said = ['{"order":"<42>"}', "order 42 again", "order 42, changed"];
  const visitor = Buffer.concat([
    ...(await compressedWithContext(said)).map((data) => frame(1, data, { rsv1: true, mask: true })),
    close(1000, "bye", true),
  ]);
  // The app's messages share one context with a binary one between them, which is decoded (the
  // ones after it refer back to it) but not searched.
  const echoes = said.map((s) => `echo: ${s}`);
  const appData = await compressedWithContext([echoes[0]!, "\u0000binary\u0001", echoes[1]!, echoes[2]!]);
  const answered = appData.map((data, i) => frame(i === 1 ? 2 : 1, data, { rsv1: true }));
  assert.equal(
    await text(visitor, Buffer.concat(answered), DEFLATE),
    `${said.join("\n")}\n${echoes.join("\n")}\n`,
  );
  assert.equal(
    await text(
      Buffer.concat([frame(1, "plain", { mask: true }), frame(2, Buffer.from([1, 2]), { mask: true })]),
      Buffer.alloc(0),
      null,
    ),
    "plain\n",
  );

  const separate = (s: string) =>
    frame(1, deflateRawSync(s, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4), { rsv1: true });
  assert.equal(
    await text(Buffer.alloc(0), Buffer.concat(said.map(separate)), NO_TAKEOVER),
    `${said.join("\n")}\n`,
  );
});

test("no text kept, corrupt data or a bomb: what could be read, and never more than a body's room", async () => {
  assert.equal(await text(Buffer.alloc(0), Buffer.alloc(0), DEFLATE), null);
  assert.equal(await text(frame(2, Buffer.from([1, 2, 3])), Buffer.alloc(0), null), null);
  const corrupt = Buffer.concat([
    frame(1, "readable"),
    frame(1, Buffer.from([0xff, 0xff, 0xff]), { rsv1: true }),
  ]);
  assert.equal(await text(corrupt, Buffer.alloc(0), DEFLATE), "readable\n");
  const bomb = deflateRawSync(Buffer.alloc(8 * 1024 * 1024, 0x61), { finishFlush: constants.Z_SYNC_FLUSH });
  const exploded = await text(frame(1, bomb.subarray(0, -4), { rsv1: true }), Buffer.alloc(0), DEFLATE);
  assert.equal(exploded, null, "beyond the side's decompression allowance: not searched");
  // Both sides long: each gets half the room; one side short: the other may use the rest.
  const long = (c: string) => frame(1, c.repeat(BODY_KEEP_BYTES));
  const both = await text(long("v"), long("a"), null);
  assert.equal(both?.length, BODY_KEEP_BYTES);
  assert.equal(both?.indexOf("a"), BODY_KEEP_BYTES / 2);
  const lopsided = await text(frame(1, "hi"), long("a"), null);
  assert.equal(lopsided?.length, BODY_KEEP_BYTES);
  assert.ok(lopsided?.startsWith("hi\naaa"));
});
