import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BodyKeeper, FRAME_TIMES_MAX, frameTimesText, keepBodies, parseFrameTimes } from "./bodies.ts";

test("a timed keeper notes each kept chunk's offset and arrival; untimed ones note nothing", async () => {
  const bodies = keepBodies(undefined, 10);
  assert.equal(frameTimesText(bodies), null, "not timed: no times");
  const zero = performance.now();
  bodies.request.timeChunks(zero);
  bodies.response.timeChunks(zero);
  bodies.request.add(Buffer.from("abc"));
  await sleep(50);
  bodies.request.add(Buffer.from("defg"));
  bodies.request.add(Buffer.from("hijklmn")); // only 3 bytes of it fit: still dated
  bodies.request.add(Buffer.from("beyond the limit"));
  const times = parseFrameTimes(frameTimesText(bodies));
  assert.ok(times);
  assert.deepEqual(
    times.visitor.filter((_, i) => i % 2 === 0),
    [0, 3, 7],
  );
  const [, first, , second] = times.visitor as [number, number, number, number];
  assert.ok(first >= 0 && first < 40, `${first}`);
  assert.ok(second - first >= 45, `${second - first} ms apart`);
  assert.deepEqual(times.app, []);
});

test("at most FRAME_TIMES_MAX times a side; stored times that are not ours read as none", () => {
  const keeper = new BodyKeeper(1_000_000);
  keeper.timeChunks(performance.now());
  for (let i = 0; i < FRAME_TIMES_MAX + 10; i++) keeper.add(Buffer.from("x"));
  assert.equal(keeper.times()?.length, FRAME_TIMES_MAX * 2);
  assert.equal(keeper.kept, FRAME_TIMES_MAX + 10, "bytes are kept past the last time");
  assert.equal(parseFrameTimes(null), null);
  assert.equal(parseFrameTimes("not json"), null);
  assert.equal(parseFrameTimes('{"visitor":[0],"app":[]}'), null, "pairs");
  assert.equal(parseFrameTimes('{"visitor":[0,-1],"app":[]}'), null);
  assert.deepEqual(parseFrameTimes('{"visitor":[0,1.5],"app":[]}'), { visitor: [0, 1.5], app: [] });
});
