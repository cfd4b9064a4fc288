import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "../errors.ts";
import { KeyedSlots } from "./keyed-slots.ts";

const slots = () =>
  new KeyedSlots({ perKey: 2, maxWaiting: 2, busyMessage: (count) => `${count} under way` });

/** Whether `promise` has settled once pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test("a user's searches beyond their slots wait their turn, in order; other users' do not", async () => {
  const limit = slots();
  const first = await limit.acquire("heavy");
  const second = await limit.acquire("heavy");
  const third = limit.acquire("heavy");
  const fourth = limit.acquire("heavy");
  assert.equal(await settled(third), false, "the third waits");
  assert.deepEqual(limit.countOf("heavy"), { running: 2, waiting: 2 });
  // Someone else's search starts at once.
  const other = await limit.acquire("light");
  assert.deepEqual(limit.countOf("light"), { running: 1, waiting: 0 });

  first();
  first(); // twice: still one slot given back
  assert.equal(await settled(third), true, "the third runs once one ended");
  assert.equal(await settled(fourth), false, "the fourth still waits");
  assert.deepEqual(limit.countOf("heavy"), { running: 2, waiting: 1 });
  second();
  (await third)();
  (await fourth)();
  other();
  assert.deepEqual(limit.countOf("heavy"), { running: 0, waiting: 0 });
  assert.deepEqual(limit.countOf("light"), { running: 0, waiting: 0 });
});

test("past the waiting line a user's next search is refused with a message, and nothing is taken", async () => {
  const limit = slots();
  const held = [await limit.acquire("heavy"), await limit.acquire("heavy")];
  const waiting = [limit.acquire("heavy"), limit.acquire("heavy")];
  await assert.rejects(limit.acquire("heavy"), (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, "rate_limited");
    assert.equal(error.message, "4 under way");
    return true;
  });
  assert.deepEqual(limit.countOf("heavy"), { running: 2, waiting: 2 });
  for (const release of held) release();
  for (const release of await Promise.all(waiting)) release();
  assert.deepEqual(limit.countOf("heavy"), { running: 0, waiting: 0 });
});

test("check says beforehand, taking nothing, whether a search would be refused", async () => {
  const limit = slots();
  const held = [await limit.acquire("heavy"), await limit.acquire("heavy")];
  // Slots full, but a next one would wait its turn, not be refused.
  limit.check("heavy");
  const waiting = [limit.acquire("heavy"), limit.acquire("heavy")];
  assert.throws(
    () => limit.check("heavy"),
    (error: unknown) =>
      error instanceof AppError && error.code === "rate_limited" && error.message === "4 under way",
  );
  assert.deepEqual(limit.countOf("heavy"), { running: 2, waiting: 2 });
  limit.check("light");
  for (const release of held) release();
  limit.check("heavy");
  for (const release of await Promise.all(waiting)) release();
  assert.deepEqual(limit.countOf("heavy"), { running: 0, waiting: 0 });
});

test("a search whose request went away while it waited leaves the line without taking a slot", async () => {
  const limit = slots();
  const held = [await limit.acquire("heavy"), await limit.acquire("heavy")];
  const gone = new AbortController();
  const abandoned = limit.acquire("heavy", gone.signal);
  const next = limit.acquire("heavy");
  gone.abort();
  await assert.rejects(
    abandoned,
    (error: unknown) => error instanceof AppError && error.code === "unavailable",
  );
  assert.deepEqual(limit.countOf("heavy"), { running: 2, waiting: 1 });
  held[0]?.();
  // The slot goes to the one still waiting, not to the one that left.
  assert.equal(await settled(next), true);
  assert.deepEqual(limit.countOf("heavy"), { running: 2, waiting: 0 });
  held[1]?.();
  (await next)();
  assert.deepEqual(limit.countOf("heavy"), { running: 0, waiting: 0 });
  await assert.rejects(limit.acquire("heavy", gone.signal), AppError, "an aborted request never waits");
  assert.deepEqual(limit.countOf("heavy"), { running: 0, waiting: 0 });
});

test("run holds a slot while its work runs and hands it on whether the work succeeds or fails", async () => {
  const limit = slots();
  let finish: (value: string) => void = () => {};
  const answer = limit.run("heavy", () => new Promise<string>((resolve) => (finish = resolve)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(limit.countOf("heavy"), { running: 1, waiting: 0 });
  finish("page");
  assert.equal(await answer, "page");
  await assert.rejects(
    limit.run("heavy", () => Promise.reject(new Error("the database refused"))),
    /the database refused/,
  );
  assert.deepEqual(limit.countOf("heavy"), { running: 0, waiting: 0 });
});
