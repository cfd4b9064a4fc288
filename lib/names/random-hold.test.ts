import assert from "node:assert/strict";
import { test } from "node:test";
import { reclaimRandomName } from "./random-hold.ts";

const now = new Date("2026-12-04T12:00:00Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

test("a random name is its user's while connected and for the hold after it closed", () => {
  assert.equal(
    reclaimRandomName({ userId: "ann", startedAt: hoursAgo(2000), endedAt: null }, "ann", 24, now),
    "yours",
  );
  assert.equal(
    reclaimRandomName({ userId: "ann", startedAt: hoursAgo(2000), endedAt: hoursAgo(23.9) }, "ann", 24, now),
    "yours",
  );
  assert.equal(
    reclaimRandomName({ userId: "ann", startedAt: hoursAgo(2000), endedAt: hoursAgo(24) }, "ann", 24, now),
    "expired",
  );
  assert.equal(
    reclaimRandomName({ userId: "ann", startedAt: hoursAgo(2000), endedAt: hoursAgo(1.5) }, "ann", 1, now),
    "expired",
  );
});

test("another user's random name is never reclaimable, however long ago it closed", () => {
  assert.equal(
    reclaimRandomName({ userId: "ann", startedAt: hoursAgo(2000), endedAt: null }, "bob", 24, now),
    "other",
  );
  assert.equal(
    reclaimRandomName({ userId: "ann", startedAt: hoursAgo(2000), endedAt: hoursAgo(1000) }, "bob", 24, now),
    "other",
  );
});
