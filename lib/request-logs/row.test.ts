import assert from "node:assert/strict";
import { test } from "node:test";
import { capLogPath, capLogText, capUserAgent, LOG_PATH_MAX, LOG_USER_AGENT_MAX } from "./row.ts";

test("short paths are kept as they are", () => {
  assert.equal(capLogPath("/a/b?c=d"), "/a/b?c=d");
  assert.equal(capLogPath("/".repeat(LOG_PATH_MAX)), "/".repeat(LOG_PATH_MAX));
});

test("long paths are cut to the cap and marked", () => {
  const capped = capLogPath(`/${"x".repeat(10_000)}`);
  assert.equal(capped.length, LOG_PATH_MAX);
  assert.ok(capped.endsWith("…"));
  assert.ok(capped.startsWith("/xxx"));
});

test("a cut never leaves half a surrogate pair", () => {
  // "😀" is two UTF-16 units; place one so the cut would fall between them.
  const text = `${"a".repeat(8)}😀😀`;
  const capped = capLogText(text, 10);
  assert.ok(capped.length <= 10);
  assert.equal(capped, `${"a".repeat(8)}…`);
  assert.doesNotThrow(() => encodeURIComponent(capped));
});

test("NUL characters and lone surrogates, which PostgreSQL text refuses, are removed or replaced", () => {
  assert.equal(capLogText("/a\u0000b", 100), "/ab");
  assert.equal(capLogText("/a\ud800b", 100), "/a\ufffdb");
});

test("user agents are capped and empty ones become null", () => {
  assert.equal(capUserAgent(undefined), null);
  assert.equal(capUserAgent(""), null);
  assert.equal(capUserAgent("curl/8.0"), "curl/8.0");
  assert.equal(capUserAgent("u".repeat(5000))?.length, LOG_USER_AGENT_MAX);
});
