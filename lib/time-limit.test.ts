import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { finishesWithin } from "./time-limit.ts";

test("finishesWithin: true for work done in time, false for work still running, a failure passed on", async () => {
  assert.equal(await finishesWithin(sleep(5), 1_000), true);
  assert.equal(await finishesWithin(new Promise(() => {}), 20), false);
  await assert.rejects(finishesWithin(Promise.reject(new Error("broke")), 1_000), /broke/);
});
