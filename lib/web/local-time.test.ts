import assert from "node:assert/strict";
import { test } from "node:test";
import { isoToLocal, localTimeOptions, localToIso } from "./local-time.ts";

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

test("a date in another year shows its year; this year's, the day and month only", () => {
  const now = new Date("2026-12-05T17:00:00Z");
  const format = (iso: string, withDate = true) =>
    new Intl.DateTimeFormat(
      "en-GB",
      localTimeOptions(new Date(iso), now, { withDate, onClient: false }),
    ).format(new Date(iso));
  assert.equal(format("2031-01-01T10:00:00Z"), "1 Jan 2031, 10:00:00");
  assert.equal(format("2025-12-31T23:00:00Z"), "31 Dec 2025, 23:00:00");
  assert.equal(format("2026-01-01T10:00:00Z"), "1 Jan, 10:00:00");
  assert.equal(format("2031-01-01T10:00:00Z", false), "10:00:00");
});
