import assert from "node:assert/strict";
import { test } from "node:test";
import { trafficSummary } from "./traffic-summary.ts";

test("the traffic summary adds up the period's points", () => {
  const points = [
    { requests: 10, errors: 0 },
    { requests: 0, errors: 0 },
    { requests: 2, errors: 1 },
  ];
  assert.equal(trafficSummary(points, "hour"), "12 requests in the last hour · 1 server error (8.3 %)");
  assert.equal(
    trafficSummary([{ requests: 1, errors: 0 }], "day"),
    "1 request in the last day · 0 server errors (0.0 %)",
  );
  assert.equal(trafficSummary([{ requests: 0, errors: 0 }], "hour"), "0 requests in the last hour");
  assert.equal(
    trafficSummary([{ requests: 12_345, errors: 2 }], "day"),
    "12,345 requests in the last day · 2 server errors (0.0 %)",
  );
});

test("no points yet (still loading): nothing to say", () => {
  assert.equal(trafficSummary([], "hour"), "");
});
