import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CUT_NAME,
  captureHeaders,
  LOG_HEADER_VALUE_MAX,
  LOG_HEADERS_MAX,
  parseStoredHeaders,
} from "./headers.ts";

test("headers are kept in order with repeats, credentials hidden whatever their case", () => {
  const stored = captureHeaders([
    "Host",
    "app.example.com",
    "Accept",
    "text/html",
    "Cookie",
    "sid=abc",
    "AUTHORIZATION",
    "Bearer xyz",
    "X-Api-Key",
    "k",
    "X-Auth-Token",
    "t",
    "Accept",
    "*/*",
  ]);
  assert.deepEqual(parseStoredHeaders(stored), [
    ["Host", "app.example.com"],
    ["Accept", "text/html"],
    ["Cookie", null],
    ["AUTHORIZATION", null],
    ["X-Api-Key", null],
    ["X-Auth-Token", null],
    ["Accept", "*/*"],
  ]);
  assert.doesNotMatch(stored ?? "", /abc|xyz|Bearer/);
});

test("response credentials (Set-Cookie) are hidden too; no headers store nothing", () => {
  assert.deepEqual(parseStoredHeaders(captureHeaders(["Set-Cookie", "a=1", "Content-Type", "text/plain"])), [
    ["Set-Cookie", null],
    ["Content-Type", "text/plain"],
  ]);
  assert.equal(captureHeaders([]), null);
  assert.equal(captureHeaders(undefined), null);
});

test("long values are cut, and a flood of headers ends in a count of those not kept", () => {
  const long = captureHeaders(["X-Long", "a".repeat(LOG_HEADER_VALUE_MAX + 10)]);
  const value = parseStoredHeaders(long)?.[0]?.[1] ?? "";
  assert.equal(value.length, LOG_HEADER_VALUE_MAX);
  assert.ok(value.endsWith("…"));

  const raw = Array.from({ length: LOG_HEADERS_MAX + 5 }, (_, i) => [`X-H${i}`, "v"]).flat();
  const kept = parseStoredHeaders(captureHeaders(raw)) ?? [];
  assert.equal(kept.length, LOG_HEADERS_MAX + 1);
  assert.deepEqual(kept.at(-1), [CUT_NAME, "5 more headers not kept"]);

  // Many big headers: cut by total size before the count cap.
  const big = Array.from({ length: 20 }, (_, i) => [`X-B${i}`, "b".repeat(2000)]).flat();
  const bigKept = parseStoredHeaders(captureHeaders(big)) ?? [];
  assert.equal(bigKept.length, 9);
  assert.deepEqual(bigKept.at(-1), [CUT_NAME, "12 more headers not kept"]);
});

test("a cut list still keeps the headers that say how to read the body, once each, in the order they came", () => {
  // Cut by total size: the Content-Type and Content-Encoding sent after the big headers stay.
  const big = Array.from({ length: 20 }, (_, i) => [`X-B${i}`, "b".repeat(2000)]).flat();
  const kept =
    parseStoredHeaders(
      captureHeaders([
        ...big,
        "Content-Encoding",
        "gzip",
        "X-Late",
        "l",
        "content-type",
        "text/html",
        "Content-Type",
        "x/y",
      ]),
    ) ?? [];
  assert.deepEqual(kept.slice(-3), [
    ["Content-Encoding", "gzip"],
    ["content-type", "text/html"],
    [CUT_NAME, "14 more headers not kept"],
  ]);
  // One already kept is not kept again.
  const early = [
    "Content-Type",
    "text/plain",
    ...Array.from({ length: LOG_HEADERS_MAX }, (_, i) => [`X-H${i}`, "v"]).flat(),
  ];
  const earlyKept = parseStoredHeaders(captureHeaders([...early, "Content-Type", "x/y"])) ?? [];
  assert.equal(earlyKept.length, LOG_HEADERS_MAX + 1);
  assert.deepEqual(earlyKept.at(-1), [CUT_NAME, "2 more headers not kept"]);
});

test("NUL characters and lone surrogates, which PostgreSQL cannot store, are cleaned", () => {
  const stored = captureHeaders(["X-Odd", "a\u0000b\ud800c"]);
  assert.deepEqual(parseStoredHeaders(stored), [["X-Odd", "ab\ufffdc"]]);
});

test("text that is not a stored header list reads as none", () => {
  assert.equal(parseStoredHeaders(null), null);
  assert.equal(parseStoredHeaders("{not json"), null);
  assert.equal(parseStoredHeaders('{"a":1}'), null);
});

test("a list seen again is stored as before, and one that differs by a byte is not mistaken for it", () => {
  // Fresh arrays of fresh strings, as each request brings.
  const copy = (list: string[]) => list.map((text) => Buffer.from(text).toString("latin1"));
  const list = ["Host", "shop.example.com", "Accept", "*/*", "X-Api-Key", "k1"];
  const first = captureHeaders(copy(list));
  assert.equal(captureHeaders(copy(list)), first);
  const other = captureHeaders(copy(["Host", "shop.example.com", "Accept", "*/+", "X-Api-Key", "k1"]));
  assert.deepEqual(parseStoredHeaders(other), [
    ["Host", "shop.example.com"],
    ["Accept", "*/+"],
    ["X-Api-Key", null],
  ]);
  // More lists than are remembered: each still stored from its own headers.
  for (let i = 0; i < 20; i++) {
    const stored = captureHeaders(copy(["Host", `n${i}.example.com`]));
    assert.deepEqual(parseStoredHeaders(stored), [["Host", `n${i}.example.com`]]);
  }
  assert.deepEqual(parseStoredHeaders(captureHeaders(copy(list)))?.[1], ["Accept", "*/*"]);
});
