import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { BodyKeeper, KeepBudget, keepBodies } from "./bodies.ts";
import { bodyDownload, viewBody } from "./body-view.ts";

const json = { user: "ada", tags: ["a", "b"], nested: { ok: true } };

test("BodyKeeper keeps the first bytes across chunks, copies them, and ignores the rest", () => {
  const keeper = new BodyKeeper(10);
  const first = Buffer.from("hello ");
  keeper.add(first);
  keeper.add(Buffer.from("world, and more"));
  keeper.add(Buffer.from("never"));
  first.fill(0); // the stream reuses its buffer: what was kept must not change
  assert.equal(keeper.kept, 10);
  assert.equal(Buffer.from(keeper.hex(), "hex").toString(), "hello worl");
  assert.equal(new BodyKeeper().hex(), "", "nothing sent: an empty body, not none");
});

test("keepers share the relay's budget; a released one gives back what it kept, once", () => {
  const budget = new KeepBudget(12);
  const a = keepBodies(budget);
  const b = keepBodies(budget);
  a.request.add(Buffer.from("12345678"));
  b.request.add(Buffer.from("abcdefgh"));
  a.response.add(Buffer.from("xyz"));
  assert.equal(a.request.kept + b.request.kept + a.response.kept, 12);
  assert.equal(b.request.hex(), Buffer.from("abcd").toString("hex"), "only what was left");
  assert.equal(a.response.kept, 0);
  a.request.release();
  a.request.release();
  assert.equal(budget.left, 8);
  a.request.add(Buffer.from("more"));
  assert.equal(a.request.kept, 8, "a released keeper keeps nothing more");
});

test("JSON is shown indented; the bytes as sent are not changed", () => {
  const sent = Buffer.from(JSON.stringify(json));
  const view = viewBody(sent, sent.length, [["Content-Type", "application/json; charset=utf-8"]]);
  assert.equal(view.text, sent.toString());
  assert.equal(view.formatted, JSON.stringify(json, null, 2));
  assert.equal(view.truncated, false);
  assert.equal(view.contentType, "application/json; charset=utf-8");
});

test("gzip, deflate and br answers are decoded for reading; the download is decoded too", () => {
  const text = "<p>héllo</p>".repeat(50);
  for (const [encoding, compress] of [
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
  ] as const) {
    const sent = compress(text);
    const headers: [string, string][] = [
      ["content-type", "text/html"],
      ["content-encoding", encoding],
    ];
    const view = viewBody(sent, sent.length, headers);
    assert.equal(view.text, text, encoding);
    assert.equal(view.encoding, encoding);
    assert.equal(view.undecoded, null);
    assert.equal(bodyDownload(sent, headers).toString(), text);
  }
});

test("a body the log cut short is shown as far as it goes, even compressed or mid-character", () => {
  const text = "é".repeat(40_000); // 80,000 bytes of two-byte characters
  const cut = Buffer.from(text).subarray(0, 1001); // ends inside a character
  const view = viewBody(cut, 80_000, [["content-type", "text/plain"]]);
  assert.equal(view.truncated, true);
  assert.equal(view.text, "é".repeat(500));

  const random = randomBytes(30_000).toString("base64"); // compresses poorly: still long when cut
  const gz = gzipSync(random);
  const gzView = viewBody(gz.subarray(0, 8_000), gz.length, [["Content-Encoding", "gzip"]]);
  assert.equal(gzView.truncated, true);
  assert.ok(gzView.text!.length > 1_000 && random.startsWith(gzView.text!), "the decodable start");
  // Cut JSON is not indented (it would not parse): shown as sent.
  const jsonText = JSON.stringify({ items: Array.from({ length: 100 }, (_, i) => i) });
  const jsonView = viewBody(Buffer.from(jsonText).subarray(0, 50), jsonText.length, [
    ["content-type", "application/json"],
  ]);
  assert.equal(jsonView.text, jsonText.slice(0, 50));
  assert.equal(jsonView.formatted, null);
});

test("binary content is described, not shown; unknown or corrupt encodings say so", () => {
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    randomBytes(100),
  ]);
  assert.equal(viewBody(png, png.length, [["content-type", "image/png"]]).text, null);
  assert.equal(viewBody(png, png.length, null).text, null, "no type: sniffed as binary");
  assert.equal(
    viewBody(Buffer.from("plain words"), 11, null).text,
    "plain words",
    "no type: sniffed as text",
  );
  const zstd = viewBody(Buffer.from([1, 2, 3]), 3, [["content-encoding", "zstd"]]);
  assert.match(zstd.undecoded!, /zstd/);
  assert.equal(zstd.text, null);
  const corrupt = viewBody(Buffer.from("not gzip at all"), 15, [["content-encoding", "gzip"]]);
  assert.match(corrupt.undecoded!, /could not be decoded/);
});

test("a compressed body that expands beyond 1 MiB is not decoded (zip bomb)", () => {
  const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
  const view = viewBody(bomb, bomb.length, [
    ["content-type", "text/plain"],
    ["content-encoding", "gzip"],
  ]);
  assert.match(view.undecoded!, /larger than 1 MiB/);
  assert.equal(view.text, null);
});

test("a form post's fields are decoded in order, repeats kept; a cut one is shown as text only", () => {
  const sent = Buffer.from("name=Ada+Lovelace&tag=a&tag=b%26c&empty=&note=caf%C3%A9");
  const type: [string, string][] = [["Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"]];
  assert.deepEqual(viewBody(sent, sent.length, type).fields, [
    ["name", "Ada Lovelace"],
    ["tag", "a"],
    ["tag", "b&c"],
    ["empty", ""],
    ["note", "café"],
  ]);
  const cut = viewBody(sent.subarray(0, 10), sent.length, type);
  assert.equal(cut.fields, null);
  assert.equal(cut.text, "name=Ada+L");
});

test("text in a declared charset is read in it, not called binary", () => {
  // QA: "Binary content, not shown here" for valid Latin-1 text.
  const latin1 = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x32, 0x80, 0x0a]); // "Café 2€\n" in windows-1252
  for (const charset of ["iso-8859-1", "ISO-8859-1", '"latin1"', "windows-1252"]) {
    const view = viewBody(latin1, latin1.length, [["Content-Type", `text/plain; charset=${charset}`]]);
    assert.equal(view.text, "Café 2€\n", charset);
  }
  const sjis = Buffer.from([0x93, 0xfa, 0x96, 0x7b]); // 日本 in Shift_JIS
  assert.equal(viewBody(sjis, 4, [["content-type", "text/html;charset=Shift_JIS"]]).text, "日本");
  // Without a charset, or an unknown one, UTF-8 as before: Latin-1 bytes are not UTF-8.
  assert.equal(viewBody(latin1, latin1.length, [["content-type", "text/plain"]]).text, null);
  assert.equal(viewBody(latin1, latin1.length, [["content-type", "text/plain; charset=klingon"]]).text, null);
  const utf8 = Buffer.from("Café ✓");
  assert.equal(viewBody(utf8, utf8.length, [["content-type", "text/plain; charset=nope"]]).text, "Café ✓");
  // Bytes no text has are still binary, whatever the charset says.
  const control = Buffer.from([0x41, 0x00, 0x01, 0x42]);
  assert.equal(viewBody(control, 4, [["content-type", "text/plain; charset=iso-8859-1"]]).text, null);
});

test("PNG, JPEG, GIF and WebP kept whole are previewed as data: URLs; SVG and mislabelled bytes are not", () => {
  const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(40)]);
  const jpeg = Buffer.concat([Buffer.from("ffd8ffe0", "hex"), randomBytes(40)]);
  const gif = Buffer.concat([Buffer.from("GIF89a"), randomBytes(40)]);
  const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.from([40, 0, 0, 0]), Buffer.from("WEBPVP8 ")]);
  const view = (bytes: Buffer, type: string, size = bytes.length) =>
    viewBody(bytes, size, [["Content-Type", type]]);
  assert.equal(view(png, "image/png").image, `data:image/png;base64,${png.toString("base64")}`);
  assert.equal(view(jpeg, "image/jpeg").image?.slice(0, 23), "data:image/jpeg;base64,");
  assert.equal(view(gif, "Image/GIF").image?.slice(0, 22), "data:image/gif;base64,");
  assert.equal(view(webp, "image/webp").image?.slice(0, 23), "data:image/webp;base64,");
  assert.equal(view(png, "image/png").text, null, "still no text");
  // Never SVG (script), nor bytes that are not what their type says, nor a cut picture.
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  assert.equal(view(svg, "image/svg+xml").image, null);
  assert.equal(view(svg, "image/png").image, null);
  assert.equal(view(jpeg, "image/png").image, null);
  assert.equal(view(png, "image/png", 100_000).image, null);
  assert.equal(view(png, "application/octet-stream").image, null);
  assert.equal(viewBody(Buffer.alloc(0), 0, [["content-type", "image/png"]]).image, null);
  assert.equal(view(Buffer.from("{}"), "application/json").image, null);
  // A compressed picture is previewed decoded.
  const zipped = gzipSync(png);
  assert.equal(
    viewBody(zipped, zipped.length, [
      ["content-type", "image/png"],
      ["content-encoding", "gzip"],
    ]).image,
    `data:image/png;base64,${png.toString("base64")}`,
  );
});
