import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionLimits, type KeyConnection } from "./connection-limits.ts";

/** A connection that answers (or not) and records being dropped; dropping releases its slot. */
function connection(limits: ConnectionLimits, keyId: string, answers: boolean) {
  const self: KeyConnection & { dropped: boolean; asked: number } = {
    dropped: false,
    asked: 0,
    answers: async () => {
      self.asked += 1;
      return answers;
    },
    dropUnresponsive: () => {
      self.dropped = true;
      limits.release(keyId, self);
    },
  };
  return self;
}

test("under the limit a key's connections are not asked anything", async () => {
  const limits = new ConnectionLimits(2, 10);
  const a = connection(limits, "k", false);
  assert.equal(await limits.acquire("k", a), true);
  assert.equal(await limits.acquire("k", connection(limits, "k", false)), true);
  assert.equal(a.asked, 0);
  assert.equal(limits.openFor("k"), 2);
  assert.equal(await limits.acquire("other", connection(limits, "other", true)), true, "per key");
});

test("at the limit, the silent connections are dropped and the new one takes a freed slot", async () => {
  const limits = new ConnectionLimits(2, 10);
  const alive = connection(limits, "k", true);
  const dead = connection(limits, "k", false);
  await limits.acquire("k", alive);
  await limits.acquire("k", dead);
  const next = connection(limits, "k", true);
  assert.equal(await limits.acquire("k", next), true);
  assert.deepEqual([alive.dropped, dead.dropped], [false, true]);
  assert.equal(limits.openFor("k"), 2);
});

test("at the limit with every connection answering, the new one is refused and nothing dropped", async () => {
  const limits = new ConnectionLimits(1, 10);
  const alive = connection(limits, "k", true);
  await limits.acquire("k", alive);
  assert.equal(await limits.acquire("k", connection(limits, "k", true)), false);
  assert.equal(alive.dropped, false);
  limits.release("k", alive);
  assert.equal(limits.openFor("k"), 0);
  assert.equal(await limits.acquire("k", connection(limits, "k", true)), true, "released slots are free");
});
