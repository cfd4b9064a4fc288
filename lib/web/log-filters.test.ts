import assert from "node:assert/strict";
import { test } from "node:test";
import { hasFilters, logFiltersToQuery, parseLogFilters, toQueryFilter } from "./log-filters.ts";

test("parses known filters from search params", () => {
  assert.deepEqual(parseLogFilters({ status: "5xx", method: "post", path: " /api ", range: "1h" }), {
    status: "5xx",
    method: "POST",
    path: "/api",
    range: "1h",
  });
  assert.deepEqual(parseLogFilters(new URLSearchParams("status=4xx&range=24h")), {
    status: "4xx",
    range: "24h",
  });
});

test("drops malformed values instead of failing", () => {
  assert.deepEqual(parseLogFilters({ status: "6xx", method: "GE T", range: "1y", path: "" }), {});
  assert.deepEqual(parseLogFilters({ status: ["2xx", "5xx"] }), { status: "2xx" });
  assert.equal(hasFilters({}), false);
});

test("round-trips through the query string", () => {
  const filters = { status: "2xx" as const, method: "GET", path: "/a b&c", range: "15m" as const };
  assert.deepEqual(parseLogFilters(new URLSearchParams(logFiltersToQuery(filters))), filters);
});

test("turns a relative range into a start time", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  const q = toQueryFilter("app", { range: "1h", path: "/x" }, now);
  assert.equal(q.from?.toISOString(), "2025-01-01T11:00:00.000Z");
  assert.equal(q.pathContains, "/x");
  assert.equal(toQueryFilter("app", {}, now).from, undefined);
});
