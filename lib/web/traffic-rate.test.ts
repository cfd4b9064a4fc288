import assert from "node:assert/strict";
import { test } from "node:test";
import { requestsPerMinute } from "./traffic-rate.ts";

const now = new Date("2026-12-07T14:17:00Z");
const day = { since: new Date(now.getTime() - 86_400_000), now };

test("a whole hour's requests are spread over its 60 minutes", () => {
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T12:00:00Z"), requests: 600 }, 60, day), 10);
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T13:00:00Z"), requests: 0 }, 60, day), 0);
});

test("the hour under way is divided by the minutes it has counted so far", () => {
  // QA: 399 requests in the first 17 minutes plotted as 6.65 a minute.
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T14:00:00Z"), requests: 399 }, 60, day), 23.47);
  const halfMinute = new Date("2026-12-07T14:17:30Z");
  assert.equal(
    requestsPerMinute({ at: new Date("2026-12-07T14:00:00Z"), requests: 35 }, 60, {
      ...day,
      now: halfMinute,
    }),
    2,
  );
});

test("a bucket just begun counts as one minute, not a burst", () => {
  const justAfter = new Date("2026-12-07T15:00:05Z");
  const period = { since: new Date(justAfter.getTime() - 86_400_000), now: justAfter };
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T15:00:00Z"), requests: 3 }, 60, period), 3);
  // The last hour's current minute: never more than its count.
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T15:00:00Z"), requests: 3 }, 1, period), 3);
});

test("the oldest hour counts from the period's start, its minute included", () => {
  // since is 14:17:00 yesterday: its hour's counts cover 14:17 to 15:00, 43 minutes.
  assert.equal(requestsPerMinute({ at: new Date("2026-12-06T14:00:00Z"), requests: 86 }, 60, day), 2);
  const since = new Date("2026-12-06T14:17:40Z");
  assert.equal(
    requestsPerMinute({ at: new Date("2026-12-06T14:00:00Z"), requests: 86 }, 60, { since, now }),
    2,
  );
});

test("minutes of the last hour are their own count", () => {
  const hour = { since: new Date(now.getTime() - 3_600_000), now };
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T14:16:00Z"), requests: 7 }, 1, hour), 7);
  assert.equal(requestsPerMinute({ at: new Date("2026-12-07T13:17:00Z"), requests: 7 }, 1, hour), 7);
});
