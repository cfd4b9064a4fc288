import assert from "node:assert/strict";
import { test } from "node:test";
import { PeriodicTask } from "./periodic-task.ts";

/** A run the test finishes itself: a slow database, held as long as the test wants. */
function heldRuns() {
  const finishers: Array<(fail?: boolean) => void> = [];
  let running = 0;
  let most = 0;
  const run = () =>
    new Promise<void>((resolve, reject) => {
      running += 1;
      most = Math.max(most, running);
      finishers.push((fail) => {
        running -= 1;
        if (fail) reject(new Error("database down"));
        else resolve();
      });
    });
  return { run, finishers, most: () => most };
}

test("a run slower than the interval is not stacked on; the schedule goes on after a failed run", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const held = heldRuns();
  const task = new PeriodicTask(held.run, { intervalMs: 10 });
  task.start(0);
  assert.equal(held.finishers.length, 1, "start(0) runs at once");
  t.mock.timers.tick(100);
  assert.equal(held.finishers.length, 1, "no second run while the first is still going");
  held.finishers[0]!(true);
  await task.running;
  t.mock.timers.tick(10);
  assert.equal(held.finishers.length, 2, "the next run, one interval after the failed one ended");
  held.finishers[1]!();
  await task.running;
  assert.equal(held.most(), 1);
  await task.stop();
  t.mock.timers.tick(1_000);
  assert.equal(held.finishers.length, 2, "nothing runs after stop()");
});

test("stop() waits for the run in progress; a stopped task does not start again", async () => {
  const held = heldRuns();
  const task = new PeriodicTask(held.run, { intervalMs: 1_000 });
  task.start(0);
  let stopped = false;
  const stopping = task.stop().then(() => {
    stopped = true;
  });
  await Promise.resolve();
  assert.equal(stopped, false, "still waiting for the run");
  held.finishers[0]!();
  await stopping;
  task.start(0);
  assert.equal(held.finishers.length, 1);
});

test("the first run waits for its delay, one interval by default", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  let runs = 0;
  const task = new PeriodicTask(
    async () => {
      runs += 1;
    },
    { intervalMs: 60 },
  );
  task.start();
  t.mock.timers.tick(59);
  assert.equal(runs, 0);
  t.mock.timers.tick(1);
  assert.equal(runs, 1);
  await task.running;
  t.mock.timers.tick(60);
  assert.equal(runs, 2);
  await task.stop();
});
