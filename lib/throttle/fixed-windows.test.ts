import assert from "node:assert/strict";
import { test } from "node:test";
import { FixedWindows } from "./fixed-windows.ts";

test("a key waits once it reaches the limit, until its window ends", () => {
  let now = 0;
  const windows = new FixedWindows({ windowMs: 60_000, maxKeys: 100, now: () => now });
  for (let i = 0; i < 3; i += 1) windows.bump("a");
  assert.equal(windows.wait("a", 3), 60);
  assert.equal(windows.wait("a", 4), 0, "below a higher limit");
  assert.equal(windows.wait("b", 1), 0, "other keys are not affected");
  now = 59_001;
  assert.equal(windows.wait("a", 3), 1);
  now = 60_000;
  assert.equal(windows.wait("a", 3), 0, "a new window");
  windows.bump("a");
  assert.equal(windows.wait("a", 2), 0, "counting starts over");
});

test("unbump takes back one count of a running window; clear forgets the key", () => {
  let now = 0;
  const windows = new FixedWindows({ windowMs: 1_000, maxKeys: 100, now: () => now });
  windows.bump("a");
  windows.bump("a");
  windows.unbump("a");
  assert.equal(windows.wait("a", 1), 1);
  windows.unbump("a");
  windows.unbump("a");
  assert.equal(windows.wait("a", 1), 0);
  windows.bump("a");
  windows.clear("a");
  assert.equal(windows.wait("a", 1), 0);
  now = 5_000;
  windows.unbump("a");
  windows.bump("a");
  assert.equal(windows.wait("a", 1), 1, "an unbump of an expired window does not carry over");
});

test("expired windows are swept once more keys than maxKeys are tracked; running ones stay", () => {
  let now = 0;
  const windows = new FixedWindows({ windowMs: 1_000, maxKeys: 10, now: () => now });
  for (let i = 0; i < 9; i += 1) windows.bump(`old-${i}`);
  now = 900;
  windows.bump("running");
  assert.equal(windows.size, 10);
  now = 1_200;
  windows.bump("new");
  assert.equal(windows.size, 2, "the nine expired windows are gone");
  assert.equal(windows.wait("running", 1), 1, "the running window kept its count");
});
