import assert from "node:assert/strict";
import { test } from "node:test";
import { connectionBudgets } from "./flood-guard.ts";
import { RequestBudget } from "./request-budget.ts";

test("a request budget allows a burst up to its capacity, then refills over time", () => {
  let now = 0;
  const budget = new RequestBudget({ capacity: 3, refillPerSecond: 2, now: () => now });
  assert.deepEqual([budget.take(), budget.take(), budget.take(), budget.take()], [true, true, true, false]);
  now += 499;
  assert.equal(budget.take(), false, "less than one token refilled");
  now += 1;
  assert.equal(budget.take(), true);
  now += 60_000;
  assert.deepEqual([budget.take(), budget.take(), budget.take(), budget.take()], [true, true, true, false]);
});

test("a connection's global request budget has room for every allowed forward and its cancel", () => {
  const budget = connectionBudgets(20)["global requests"];
  for (let i = 0; i < 40; i++) assert.equal(budget.take(), true);
});
