import assert from "node:assert/strict";
import { test } from "node:test";
import { normaliseStatusFilter, statusRange } from "./status-filter.ts";

test("a class matches its hundred, an exact code only itself", () => {
  assert.deepEqual(statusRange("5xx"), { gte: 500, lt: 600 });
  assert.deepEqual(statusRange(" 2XX "), { gte: 200, lt: 300 });
  assert.deepEqual(statusRange("404"), { gte: 404, lt: 405 });
  assert.deepEqual(statusRange("101"), { gte: 101, lt: 102 });
});

test("anything else is not a status filter", () => {
  for (const text of ["", "6xx", "1xx", "600", "99", "4041", "4o4", "-404", "40 4", "4xx5"]) {
    assert.equal(statusRange(text), null, text);
    assert.equal(normaliseStatusFilter(text), null, text);
  }
  assert.equal(normaliseStatusFilter(" 5XX"), "5xx");
  assert.equal(normaliseStatusFilter("503"), "503");
});

test("no filter matches status 0, a request still waiting for the app's answer", () => {
  for (const text of ["2xx", "3xx", "4xx", "5xx", "100", "200", "599"]) {
    const range = statusRange(text)!;
    assert.ok(!(0 >= range.gte && 0 < range.lt), text);
  }
  assert.equal(statusRange("0"), null);
  assert.equal(statusRange("000"), null);
  assert.equal(normaliseStatusFilter("0"), null, "a waiting row's details offer no 'Only 0 answers'");
});
