import assert from "node:assert/strict";
import { test } from "node:test";
import { withAnsweredRows } from "./answered-rows.ts";
import type { LogRow } from "./tunnel-dto.ts";

const row = (id: string, status = 200): LogRow => ({
  id,
  at: "2026-12-07T16:00:00.000Z",
  method: "GET",
  path: `/${id}`,
  status,
  durationMs: 1,
  bytesIn: 0,
  bytesOut: 0,
  clientIp: "198.51.100.7",
  userAgent: null,
  admission: "PUBLIC",
  upgrade: false,
  error: null,
  accessPage: null,
  shareLinkLabel: null,
  requestHeaders: null,
  responseHeaders: null,
  bodiesKept: false,
  replayOf: null,
  openState: null,
});

const ids = (rows: LogRow[]) => rows.map((r) => r.id);

test("answered requests join in their places by id, newest first, and never twice", () => {
  const shown = [row("90", 500), row("50", 502), row("10", 503)];
  assert.deepEqual(ids(withAnsweredRows(shown, [row("70", 504), row("20", 504)], null)), [
    "90",
    "70",
    "50",
    "20",
    "10",
  ]);
  // Newer than all, older than all (nothing older to load), and one already shown.
  assert.deepEqual(ids(withAnsweredRows(shown, [row("95", 504), row("50", 502), row("5", 504)], null)), [
    "95",
    "90",
    "50",
    "10",
    "5",
  ]);
  assert.deepEqual(ids(withAnsweredRows([], [row("7", 504)], null)), ["7"]);
});

test("one older than what is loaded is left for Older, which brings it", () => {
  const shown = [row("90", 500), row("50", 502)];
  // "Older" goes on below 50: 40 would come again with it.
  assert.deepEqual(ids(withAnsweredRows(shown, [row("70", 504), row("40", 504)], "50")), ["90", "70", "50"]);
  // A search that stopped at its window goes on below its floor (30): 40 is within what it searched.
  assert.deepEqual(ids(withAnsweredRows(shown, [row("40", 504), row("20", 504)], "30")), ["90", "50", "40"]);
});
