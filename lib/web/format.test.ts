import assert from "node:assert/strict";
import { test } from "node:test";
import {
  countOf,
  formatBinaryBytes,
  formatBytes,
  formatDuration,
  formatRelative,
  formatUptime,
  formatWait,
  statusTone,
  truncate,
} from "./format.ts";

test("formatBytes", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1234), "1.2 kB");
  assert.equal(formatBytes(123_456), "123 kB");
  assert.equal(formatBytes(5_500_000), "5.5 MB");
  assert.equal(formatBytes(-1), "–");
});

test("formatBinaryBytes: limits read as set", () => {
  assert.equal(formatBinaryBytes(64 * 1024), "64 KiB");
  assert.equal(formatBinaryBytes(64 * 1024 * 1024), "64 MiB");
  assert.equal(formatBinaryBytes(1536), "1.5 KiB");
  assert.equal(formatBinaryBytes(1000), "1000 B");
  assert.equal(formatBinaryBytes(-1), "–");
});

test("formatDuration", () => {
  assert.equal(formatDuration(8.4), "8 ms");
  assert.equal(formatDuration(1534), "1.53 s");
  assert.equal(formatDuration(12_345), "12.3 s");
  assert.equal(formatDuration(95_000), "1 min 35 s");
});

test("formatRelative", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  assert.equal(formatRelative(null, now), "never");
  assert.equal(formatRelative(new Date(now - 2000), now), "just now");
  assert.equal(formatRelative(new Date(now - 42_000), now), "42 s ago");
  assert.equal(formatRelative("2025-01-01T11:55:00Z", now), "5 min ago");
  assert.equal(formatRelative(new Date(now - 3 * 3_600_000), now), "3 h ago");
  assert.equal(formatRelative(new Date(now - 3 * 86_400_000), now), "3 d ago");
  // A clock slightly ahead on the server must not say "in the future".
  assert.equal(formatRelative(new Date(now + 5000), now), "just now");
});

test("formatUptime", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  assert.equal(formatUptime(new Date(now - 45_000), now), "45 s");
  assert.equal(formatUptime(new Date(now - 200 * 60_000), now), "3 h 20 min");
  assert.equal(formatUptime(new Date(now - 52 * 3_600_000), now), "2 d 4 h");
});

test("statusTone", () => {
  assert.equal(statusTone(200), "success");
  assert.equal(statusTone(304), "redirect");
  assert.equal(statusTone(404), "client-error");
  assert.equal(statusTone(502), "server-error");
  assert.equal(statusTone(101), "other");
});

test("countOf: singular only for exactly one, thousands grouped", () => {
  assert.equal(countOf(1, "request"), "1 request");
  assert.equal(countOf(0, "request"), "0 requests");
  assert.equal(countOf(1204, "request"), "1,204 requests");
  assert.equal(countOf(2, "key"), "2 keys");
  assert.equal(countOf(3, "address", "addresses"), "3 addresses");
});

test("formatWait: seconds under a minute, then rounded minutes and hours", () => {
  assert.equal(formatWait(1), "1 second");
  assert.equal(formatWait(0.2), "1 second");
  assert.equal(formatWait(45), "45 seconds");
  assert.equal(formatWait(59), "59 seconds");
  assert.equal(formatWait(60), "about a minute");
  assert.equal(formatWait(89), "about a minute");
  assert.equal(formatWait(893), "about 15 minutes");
  assert.equal(formatWait(900), "about 15 minutes");
  assert.equal(formatWait(7200), "about 2 hours");
});

test("truncate: text within the limit unchanged, longer text cut to the limit ending in an ellipsis", () => {
  assert.equal(truncate("GET /short", 80), "GET /short");
  assert.equal(truncate("x".repeat(80), 80), "x".repeat(80));
  const cut = truncate("x".repeat(81), 80);
  assert.equal(cut.length, 80);
  assert.equal(cut, `${"x".repeat(79)}…`);
});
