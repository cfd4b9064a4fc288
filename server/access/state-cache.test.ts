import assert from "node:assert/strict";
import { test } from "node:test";
import { type NameAccessState, PUBLIC_STATE } from "../../lib/sharing/relay-access.ts";
import { AccessStateCache } from "./state-cache.ts";

function stateWithVersion(passwordVersion: number): NameAccessState {
  return { ...PUBLIC_STATE, mode: "PASSWORD", passwordVersion };
}

test("states are served from memory within the TTL, shared while loading, and reloaded after", async () => {
  let clock = 0;
  let loads = 0;
  const cache = new AccessStateCache({
    load: async () => stateWithVersion(++loads),
    ttlMs: 2_000,
    now: () => clock,
  });
  assert.equal(cache.peek("a"), undefined);
  const [one, two] = await Promise.all([cache.get("a"), cache.get("a")]);
  assert.equal(loads, 1, "concurrent misses share one load");
  assert.equal(one, two);
  clock = 1_999;
  assert.equal(cache.peek("a")?.passwordVersion, 1);
  clock = 2_000;
  assert.equal(cache.peek("a"), undefined, "stale after the TTL");
  assert.equal((await cache.get("a")).passwordVersion, 2);
});

test("invalidate drops a name at once, and a load that was in flight is not stored", async () => {
  let release: ((state: NameAccessState) => void) | undefined;
  let loads = 0;
  const cache = new AccessStateCache({
    load: () => {
      loads += 1;
      return new Promise((resolve) => {
        release = resolve;
      });
    },
    ttlMs: 60_000,
  });
  const pending = cache.get("a");
  cache.invalidate("a");
  release?.(stateWithVersion(1));
  assert.equal((await pending).passwordVersion, 1, "the caller still gets an answer");
  assert.equal(cache.peek("a"), undefined, "but the possibly stale result is not cached");
  const again = cache.get("a");
  assert.equal(loads, 2);
  release?.(stateWithVersion(2));
  await again;
  assert.equal(cache.peek("a")?.passwordVersion, 2);
  cache.invalidate("a");
  assert.equal(cache.peek("a"), undefined);
});

test("a failed load is not cached", async () => {
  let fail = true;
  const cache = new AccessStateCache({
    load: async () => {
      if (fail) throw new Error("database down");
      return PUBLIC_STATE;
    },
    ttlMs: 60_000,
  });
  await assert.rejects(cache.get("a"), /database down/);
  fail = false;
  assert.equal(await cache.get("a"), PUBLIC_STATE);
});
