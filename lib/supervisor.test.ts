import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Supervisable, supervise } from "./supervisor.ts";

/** A child that exits by itself after `lifetimeMs` ("exit code 1"), or when stopped. */
function fakeChild(lifetimeMs: number): Supervisable & { stopped: boolean } {
  let exit: (how: string) => void = () => {};
  const exited = new Promise<string>((resolve) => {
    exit = resolve;
  });
  const timer = setTimeout(() => exit("exit code 1"), lifetimeMs);
  const child = {
    exited,
    stopped: false,
    async stop() {
      child.stopped = true;
      clearTimeout(timer);
      exit("signal SIGTERM");
      await exited;
    },
  };
  return child;
}

test("a child that keeps crashing as it starts is restarted at once, then with growing waits, not in a tight loop", async () => {
  const notices: string[] = [];
  const children = [fakeChild(5)];
  const supervised = supervise(
    "app",
    children[0]!,
    async () => {
      const child = fakeChild(5);
      children.push(child);
      return child;
    },
    (line) => notices.push(line),
  );
  // Half-way between the third start (~1 s) and the fourth (~3 s), for a busy machine's sake.
  await sleep(2_000);
  await supervised.stop();
  // Started at 0, again at once, then after 1 s; the next would wait 2 s.
  assert.equal(children.length, 3, notices.join(" / "));
  assert.deepEqual(notices, [
    "The app stopped unexpectedly (exit code 1): starting it again",
    "The app is running again",
    "The app stopped unexpectedly (exit code 1): starting it again in 1 s",
    "The app is running again",
    "The app stopped unexpectedly (exit code 1): starting it again in 2 s",
  ]);
});

test("stop() ends the child for good, also while a failed start waits to be retried", async () => {
  const notices: string[] = [];
  const first = fakeChild(5);
  let attempts = 0;
  const supervised = supervise(
    "app",
    first,
    async () => {
      attempts += 1;
      throw new Error("port 3000 is already in use\nmore detail");
    },
    (line) => notices.push(line),
  );
  await sleep(100);
  const stopping = Date.now();
  await supervised.stop();
  assert.ok(Date.now() - stopping < 500, "stop() does not wait out the retry pause");
  await sleep(1_200);
  assert.equal(attempts, 1, "no retry after stop()");
  assert.deepEqual(notices, [
    "The app stopped unexpectedly (exit code 1): starting it again",
    "The app did not start (port 3000 is already in use): trying again in 1 s",
  ]);

  const running = fakeChild(60_000);
  await supervise(
    "app",
    running,
    async () => fakeChild(60_000),
    () => {},
  ).stop();
  assert.equal(running.stopped, true);
});
