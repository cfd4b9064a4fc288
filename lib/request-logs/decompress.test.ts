import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { decodableEncoding, decompressStart } from "./decompress.ts";

const TEXT = Buffer.from(
  JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ i, ok: true })) }),
);

test("gzip, deflate and brotli bodies decode, whole or cut short, up to the cap", async () => {
  for (const [encoding, compressed] of [
    ["gzip", gzipSync(TEXT)],
    ["x-gzip", gzipSync(TEXT)],
    ["deflate", deflateSync(TEXT)],
    ["br", brotliCompressSync(TEXT)],
  ] as const) {
    assert.deepEqual(await decompressStart(compressed, encoding, 1 << 20), TEXT, `${encoding} whole`);
    // The log keeps only the start of a body: what it holds decodes as far as it goes.
    const start = await decompressStart(compressed.subarray(0, compressed.length >> 1), encoding, 1 << 20);
    assert.ok(start && start.length > 0 && start.length < TEXT.length, `${encoding} cut: ${start?.length}`);
    assert.deepEqual(start, TEXT.subarray(0, start.length));
    assert.deepEqual(
      await decompressStart(compressed, encoding, 100),
      TEXT.subarray(0, 100),
      `${encoding} cap`,
    );
  }
});

test("a bomb stops at the cap; corrupt data, unknown codings and empty bodies give nothing", async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  const out = await decompressStart(bomb, "gzip", 64 * 1024);
  assert.equal(out?.length, 64 * 1024);
  assert.equal(await decompressStart(randomBytes(500), "gzip", 1024), null);
  assert.equal(await decompressStart(gzipSync(TEXT), "zstd", 1024), null);
  assert.equal(await decompressStart(Buffer.alloc(0), "gzip", 1024), null);
});

test("the Content-Encoding is read from a raw header list, any case, single codings only", () => {
  assert.equal(decodableEncoding(["Content-Type", "text/html", "Content-Encoding", " GZIP "]), "gzip");
  assert.equal(decodableEncoding(["content-encoding", "br"]), "br");
  assert.equal(decodableEncoding(["content-encoding", "gzip, br"]), null);
  assert.equal(decodableEncoding(["content-encoding", "identity"]), null);
  assert.equal(decodableEncoding(["Content-Type", "text/html"]), null);
});
