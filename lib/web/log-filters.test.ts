import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "../errors.ts";
import {
  hasFilters,
  linkedRequestHref,
  logFiltersToQuery,
  methodChoices,
  parseLogFilters,
  rangeProblem,
  readLinkedRequest,
  readLogFilters,
  requireLogFilters,
  toQueryFilter,
  unreadFilterMessage,
} from "./log-filters.ts";

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
  assert.deepEqual(parseLogFilters({ ip: "1:2" }), {});
  assert.deepEqual(parseLogFilters({ ip: "<script>" }), {});
  assert.deepEqual(parseLogFilters({ status: ["2xx", "5xx"] }), { status: "2xx" });
  assert.equal(hasFilters({}), false);
});

test("a status filter is a class or one exact code", () => {
  assert.deepEqual(parseLogFilters({ status: "404" }), { status: "404" });
  assert.deepEqual(parseLogFilters({ status: " 5XX " }), { status: "5xx" });
  assert.equal(toQueryFilter("app", { status: "404" }, Date.now()).status, "404");
  assert.deepEqual(parseLogFilters(new URLSearchParams(logFiltersToQuery({ status: "101" }))), {
    status: "101",
  });
});

test("filters a link has but the log cannot read are named, with what each takes", () => {
  const { filters, unread } = readLogFilters(
    new URLSearchParams("status=500x&method=GE+T&path=/api&ip=1:2&range=1y&from=yesterday"),
  );
  assert.deepEqual(filters, { path: "/api" });
  assert.deepEqual(unread.map(unreadFilterMessage), [
    "status=“500x” is not a filter: use 2xx, 3xx, 4xx or 5xx, or a status code such as 404",
    "method=“GE T” is not a filter: use an HTTP method such as GET",
    "ip=“1:2” is not a filter: use one IPv4 or IPv6 address",
    "range=“1y” is not a filter: use 15m, 1h, 24h or 7d",
    "from=“yesterday” is not a filter: use a date and time such as 2026-12-05T14:00Z",
  ]);
  assert.deepEqual(readLogFilters({ status: "4xx", path: "  " }), { filters: { status: "4xx" }, unread: [] });
  // What is echoed back is cut short: a link can be long.
  assert.equal(readLogFilters({ ip: "x".repeat(300) }).unread[0]?.value.length, 100);
  assert.deepEqual(requireLogFilters({ status: "4xx" }), { status: "4xx" });
  assert.throws(
    () => requireLogFilters({ path: "/a", status: "500x" }),
    (e) => e instanceof AppError && e.code === "invalid_input" && /status=“500x”/.test(e.message),
  );
});

test("round-trips through the query string", () => {
  const filters = {
    status: "2xx" as const,
    method: "GET",
    path: "/a b&c",
    header: 'x-id: "7"',
    body: '"order": 42 & more',
    ip: "2001:db8::7",
    range: "15m" as const,
  };
  assert.deepEqual(parseLogFilters(new URLSearchParams(logFiltersToQuery(filters))), filters);
  assert.equal(hasFilters({ header: "x" }), true);
  assert.equal(toQueryFilter("app", filters, Date.now()).headersContain, 'x-id: "7"');
  assert.equal(toQueryFilter("app", filters, Date.now()).clientIp, "2001:db8::7");
  assert.equal(toQueryFilter("app", filters, Date.now()).bodiesContain, '"order": 42 & more');
  assert.equal(hasFilters({ body: "x" }), true);
  assert.equal(hasFilters({ ip: "203.0.113.7" }), true);
  // Written as the log stores it.
  assert.deepEqual(parseLogFilters({ ip: " 2001:DB8:0:0::7 " }), { ip: "2001:db8::7" });
});

test("turns a relative range into a start time", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  const q = toQueryFilter("app", { range: "1h", path: "/x" }, now);
  assert.equal(q.from?.toISOString(), "2025-01-01T11:00:00.000Z");
  assert.equal(q.pathContains, "/x");
  assert.equal(toQueryFilter("app", {}, now).from, undefined);
});

test("a custom window is read as normalised instants and replaces the relative range", () => {
  const filters = parseLogFilters({
    from: "2026-11-21T10:00:00+01:00",
    to: "2026-11-21T12:00Z",
    range: "1h",
  });
  assert.deepEqual(filters, { from: "2026-11-21T09:00:00.000Z", to: "2026-11-21T12:00:00.000Z" });
  assert.deepEqual(parseLogFilters(new URLSearchParams(logFiltersToQuery(filters))), filters);
  assert.deepEqual(parseLogFilters({ from: "yesterday", to: "x".repeat(50), range: "1h" }), { range: "1h" });
  assert.equal(hasFilters({ to: "2026-11-21T12:00:00.000Z" }), true);

  const q = toQueryFilter("app", { ...filters, range: "15m" }, Date.parse("2026-11-22T00:00:00Z"));
  assert.equal(q.from?.toISOString(), "2026-11-21T09:00:00.000Z", "the window's own start, not now - 15 min");
  assert.equal(q.to?.toISOString(), "2026-11-21T12:00:00.000Z");
});

test("a window that ends before it starts is explained instead of applied", () => {
  assert.equal(
    rangeProblem({ from: "2026-11-21T12:00:00.000Z", to: "2026-11-21T12:00:00.000Z" }),
    "The start of the time range must be before its end",
  );
  assert.equal(rangeProblem({ from: "2026-11-21T11:00:00.000Z", to: "2026-11-21T12:00:00.000Z" }), null);
  assert.equal(rangeProblem({ from: "2026-11-21T11:00:00.000Z" }), null);
});

test("a request's own link keeps the log's filters, and reads back as the id it names", () => {
  const href = linkedRequestHref("/tunnels/shop", { status: "5xx", path: "/a b" }, "42");
  assert.equal(href, "/tunnels/shop?status=5xx&path=%2Fa+b&request=42");
  const params = new URLSearchParams(href.split("?")[1]);
  assert.equal(readLinkedRequest(params), "42");
  assert.deepEqual(parseLogFilters(params), { status: "5xx", path: "/a b" });
  assert.equal(
    linkedRequestHref("https://dash.example.com/tunnels/shop", {}, "7"),
    "https://dash.example.com/tunnels/shop?request=7",
  );
});

test("a link to no request, or to something that cannot be one, says which", () => {
  assert.equal(readLinkedRequest({}), undefined);
  assert.equal(readLinkedRequest({ request: " " }), undefined);
  assert.equal(readLinkedRequest({ request: "42abc" }), "invalid");
  assert.equal(readLinkedRequest({ request: "1".repeat(20) }), "invalid");
  assert.equal(readLinkedRequest({ request: ["9", "10"] }), "9");
});

test("a method the form does not list (PROPFIND) is applied and becomes one of its choices", () => {
  const { filters, unread } = readLogFilters({ method: "propfind" });
  assert.deepEqual(filters, { method: "PROPFIND" });
  assert.deepEqual(unread, []);
  assert.equal(methodChoices(filters.method).at(-1), "PROPFIND");
  assert.equal(methodChoices("GET").filter((m) => m === "GET").length, 1, "a listed one is not added twice");
  assert.deepEqual(methodChoices(undefined), methodChoices("POST"));
});
