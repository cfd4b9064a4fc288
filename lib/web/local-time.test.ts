import assert from "node:assert/strict";
import { test } from "node:test";
import { isoToLocal, localToIso } from "./local-time.ts";

test("datetime-local values round-trip through ISO instants in the runtime's zone", () => {
  const local = "2026-12-01T18:05";
  const iso = localToIso(local);
  assert.equal(iso, new Date(2026, 11, 1, 18, 5).toISOString());
  assert.equal(isoToLocal(iso), local);
});

test("empty or invalid values become empty strings", () => {
  assert.equal(localToIso(""), "");
  assert.equal(localToIso("tomorrow"), "");
  assert.equal(isoToLocal(undefined), "");
  assert.equal(isoToLocal("not a date"), "");
});
