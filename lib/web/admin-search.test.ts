import assert from "node:assert/strict";
import { test } from "node:test";
import { ADMIN_SEARCH_MAX, adminListSummary, readAdminSearch } from "./admin-search.ts";

test("the search box's text is trimmed, lower-cased, cut to its maximum; absent or repeated is handled", () => {
  assert.equal(readAdminSearch("  Ann@Example "), "ann@example");
  assert.equal(readAdminSearch(undefined), "");
  assert.equal(readAdminSearch(["first", "second"]), "first");
  assert.equal(readAdminSearch("x".repeat(500)).length, ADMIN_SEARCH_MAX);
});

test("the count says what matched, of how many, and when the list is cut short", () => {
  const accounts = (n: number) => `${n} accounts`;
  assert.equal(adminListSummary(40, 40, 40, "", accounts), "40 accounts");
  assert.equal(adminListSummary(2, 2, 40, "ann", accounts), "“ann”: 2 of 40 accounts");
  assert.equal(
    adminListSummary(200, 950, 950, "", accounts),
    "950 accounts; the first 200 are listed, search to narrow",
  );
});
