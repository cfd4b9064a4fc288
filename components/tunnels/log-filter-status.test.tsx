import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import { filterStatusText, LogFilterStatus } from "./log-filter-status";

function said(props: { filtered: boolean; shown: number; more: boolean }): string {
  return renderToStaticMarkup(<LogFilterStatus {...props} />).replace(/<[^>]+>/g, "");
}

test("a filtered log says how many requests match, or that none do", () => {
  assert.equal(said({ filtered: true, shown: 1, more: false }), "1 matching request");
  assert.equal(said({ filtered: true, shown: 7, more: false }), "7 matching requests");
  assert.equal(said({ filtered: true, shown: 50, more: true }), "50 or more matching requests");
  assert.equal(said({ filtered: true, shown: 1, more: true }), "1 or more matching requests");
  assert.equal(said({ filtered: true, shown: 0, more: false }), "No requests match these filters");
  assert.equal(said({ filtered: true, shown: 0, more: true }), "No matching requests in the newest ones");
});

test("the unfiltered log says nothing, in a status region that stays for the next filters", () => {
  assert.equal(
    renderToStaticMarkup(<LogFilterStatus filtered={false} shown={50} more={true} />),
    '<p role="status" class="sr-only"></p>',
  );
});

test("right after the whole log was deleted from the page, a filtered log says it is empty", () => {
  assert.equal(
    filterStatusText({ filtered: true, shown: 0, more: false, cleared: true }),
    "The log is empty",
  );
  assert.equal(filterStatusText({ filtered: true, shown: 0, more: true, cleared: true }), "The log is empty");
  // New requests since then match again.
  assert.equal(
    filterStatusText({ filtered: true, shown: 2, more: false, cleared: true }),
    "2 matching requests",
  );
});
