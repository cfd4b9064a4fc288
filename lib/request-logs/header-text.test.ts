import assert from "node:assert/strict";
import { test } from "node:test";
import { headerBytes, headerListText, headerPieces, headerText, isByteString } from "./header-text.ts";
import { captureHeaders, LOG_HEADER_VALUE_MAX, parseStoredHeaders } from "./headers.ts";

/** Bytes as Node hands them on and the log stores them: one Latin-1 character a byte. */
const stored = (bytes: Buffer | number[]) => Buffer.from(bytes).toString("latin1");
const utf8 = (text: string) => stored(Buffer.from(text, "utf8"));

test("UTF-8 values read as their text, ASCII ones as they are", () => {
  assert.equal(headerText("text/html; charset=utf-8"), "text/html; charset=utf-8");
  assert.equal(headerText(utf8("café")), "café");
  assert.equal(utf8("café"), "cafÃ©", "what the views showed before");
  assert.equal(headerText(utf8('attachment; filename="résumé.pdf"')), 'attachment; filename="résumé.pdf"');
  // Three- and four-byte characters, and a no-break space at the end (white space HTTP keeps).
  assert.equal(headerText(utf8("€ 5 · 東京 🙂\u00a0")), "€ 5 · 東京 🙂\u00a0");
  assert.equal(headerText(""), "");
});

test("bytes that are not UTF-8 are shown escaped, the rest of the value decoded", () => {
  // A Latin-1 "café" from an old client: not taken for a UTF-8 é.
  assert.equal(headerText(stored([0x63, 0x61, 0x66, 0xe9])), "caf\\xE9");
  // A C1 byte (8-bit CSI), which Latin-1 would show as an invisible control character.
  assert.equal(headerText(stored([0x9b, 0x33, 0x31, 0x6d])), "\\x9B31m");
  // A valid character beside a stray byte, a character cut short, an overlong slash, a surrogate,
  // past U+10FFFF.
  assert.equal(headerText(stored([...Buffer.from("é"), 0xff])), "é\\xFF");
  assert.equal(headerText(stored([0x61, 0xe2, 0x82])), "a\\xE2\\x82");
  assert.equal(headerText(stored([0xc0, 0xaf])), "\\xC0\\xAF");
  assert.equal(headerText(stored([0xed, 0xa0, 0x80])), "\\xED\\xA0\\x80");
  assert.equal(headerText(stored([0xf4, 0x90, 0x80, 0x80])), "\\xF4\\x90\\x80\\x80");
  assert.deepEqual(headerPieces(stored([0x63, 0xe9, 0x64])), ["c", 0xe9, "d"]);
});

test("what counts as UTF-8 is what a strict decoder accepts, on any bytes", () => {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  // Random bytes, biased toward the lead and continuation bytes where the edge cases are.
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  const pool = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef];
  pool.push(0xf0, 0xf3, 0xf4, 0xf5, 0xff);
  for (let round = 0; round < 5_000; round++) {
    const bytes = Array.from({ length: 1 + (next() % 6) }, () =>
      next() % 3 === 0 ? next() % 256 : pool[next() % pool.length]!,
    );
    const pieces = headerPieces(stored(bytes));
    let decoded: string | null;
    try {
      decoded = strict.decode(Uint8Array.from(bytes));
    } catch {
      decoded = null;
    }
    const escaped = pieces.some((piece) => typeof piece === "number");
    assert.equal(escaped, decoded === null, `bytes ${Buffer.from(bytes).toString("hex")}`);
    if (decoded !== null) assert.equal(headerText(stored(bytes)), decoded);
    // Nothing is lost: text and bytes together are the value's bytes again.
    const back = pieces.map((piece) => (typeof piece === "number" ? stored([piece]) : headerBytes(piece)));
    assert.equal(back.join(""), stored(bytes));
  }
});

test("text typed goes back to the bytes a client sends, UTF-8", () => {
  assert.equal(headerBytes("plain"), "plain");
  assert.equal(headerBytes("café"), utf8("café"));
  assert.equal(headerBytes(headerText(utf8("東京 🙂"))), utf8("東京 🙂"));
  assert.ok(isByteString(headerBytes("🙂")));
  assert.ok(!isByteString("cut…"));
});

test("a value the log cut keeps its … and shows what it can of the rest", () => {
  // Cut in the middle of an é: the half of it is a stray byte, the mark the log's own.
  const value = `${"a".repeat(LOG_HEADER_VALUE_MAX - 2)}é and more`;
  const [[, kept]] = parseStoredHeaders(captureHeaders(["X-Long", utf8(value)])) as [[string, string]];
  assert.equal(headerText(kept), `${"a".repeat(LOG_HEADER_VALUE_MAX - 2)}\\xC3…`);
});

test("a stored list reads with its values decoded, hidden ones still hidden", () => {
  const list = parseStoredHeaders(captureHeaders(["X-Name", utf8("café"), "Cookie", utf8("n=é")]));
  assert.deepEqual(headerListText(list), [
    ["X-Name", "café"],
    ["Cookie", null],
  ]);
  assert.equal(headerListText(null), null);
});
