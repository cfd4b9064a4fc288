import assert from "node:assert/strict";
import { test } from "node:test";
import { openRowIds } from "./open-rows.ts";

test("rows that ended leave, newly open rows join in front, and the list stays bounded", () => {
  const refreshed = new Map([
    ["5", { openState: null }],
    ["4", { openState: "open" as const }],
  ]);
  const newer = [
    { id: "9", openState: "open" as const },
    { id: "8", openState: null },
    { id: "7", openState: "open" as const },
  ];
  assert.deepEqual(openRowIds(["5", "4", "3"], newer, refreshed, 10), ["9", "7", "4", "3"]);
  assert.deepEqual(openRowIds(["5", "4", "3"], newer, refreshed, 2), ["9", "7"]);
  assert.deepEqual(openRowIds([], [], new Map(), 10), []);
});
