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

test("a name in use is reloaded in the background after half its TTL: its requests never wait", async () => {
  let clock = 0;
  let loads = 0;
  let fail = false;
  const cache = new AccessStateCache({
    load: async () => {
      loads += 1;
      if (fail) throw new Error("database down");
      return stateWithVersion(loads);
    },
    ttlMs: 2_000,
    now: () => clock,
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  await cache.get("a");
  clock = 999;
  assert.equal(cache.peek("a")?.passwordVersion, 1);
  assert.equal(loads, 1, "no reload in the first half of the TTL");
  clock = 1_000;
  assert.equal(cache.peek("a")?.passwordVersion, 1, "the cached state answers at once");
  assert.equal(cache.peek("a")?.passwordVersion, 1);
  assert.equal(loads, 2, "one background reload, however many requests");
  await settle();

  fail = true;
  clock = 2_000;
  assert.equal(cache.peek("a")?.passwordVersion, 2, "the reload replaced it: fresh past the first TTL");
  assert.equal(loads, 3, "and, half its TTL old, is being reloaded in turn");
  await settle();
  assert.equal(cache.peek("a")?.passwordVersion, 2, "a failed refresh keeps the state until its TTL");
  assert.equal(loads, 4, "and is tried again on the next request");
  await settle();

  fail = false;
  clock = 2_500;
  assert.equal(cache.peek("a")?.passwordVersion, 2);
  assert.equal(loads, 5);
  cache.invalidate("a");
  await settle();
  assert.equal(cache.peek("a"), undefined, "a refresh under way when a change is announced is not stored");
  assert.equal((await cache.get("a")).passwordVersion, 6);
  clock = 2_500 + 2_000;
  assert.equal(cache.peek("a"), undefined, "past the TTL nothing is served from memory");
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

test("states are trusted longer while notifications arrive, briefly again once they may be missed", async () => {
  let clock = 0;
  let loads = 0;
  const cache = new AccessStateCache({
    load: async () => stateWithVersion(++loads),
    ttlMs: 2_000,
    notifiedTtlMs: 30_000,
    now: () => clock,
  });
  cache.setNotified(true);
  await cache.get("a");
  clock = 29_999;
  assert.equal(cache.peek("a")?.passwordVersion, 1, "no reload while every change is notified");
  clock = 30_000;
  assert.equal(cache.peek("a"), undefined, "the long TTL still bounds a silent failure");

  await cache.get("a");
  clock += 1_000;
  cache.setNotified(false);
  assert.equal(cache.peek("a")?.passwordVersion, 2, "a state younger than the short TTL stays");
  clock += 1_000;
  assert.equal(cache.peek("a"), undefined, "older ones go as soon as notifications may be missed");

  await cache.get("a");
  cache.setNotified(true);
  assert.equal(cache.peek("a"), undefined, "changes made while not listening were not notified: all dropped");
  assert.equal((await cache.get("a")).passwordVersion, 4);
  cache.setNotified(true);
  assert.equal(cache.peek("a")?.passwordVersion, 4, "only the transition drops state");
});

test("a state loaded for one scope (tunnel) is not used for another under the same name", async () => {
  let loads = 0;
  const cache = new AccessStateCache({ load: async () => stateWithVersion(++loads), ttlMs: 60_000 });
  const first = {};
  const second = {};
  assert.equal((await cache.get("a", first)).passwordVersion, 1);
  assert.equal(cache.peek("a", first)?.passwordVersion, 1);
  assert.equal(cache.peek("a", second), undefined, "a new tunnel under the name loads afresh");
  assert.equal((await cache.get("a", second)).passwordVersion, 2);
  assert.equal(cache.peek("a", first), undefined, "and the old tunnel's entry is gone");
});

test("a reload that fails or hangs is answered by the last state, unless a change was announced", async () => {
  let clock = 0;
  let behaviour: "ok" | "fail" | "hang" = "ok";
  let loads = 0;
  let release: ((state: NameAccessState) => void) | undefined;
  const cache = new AccessStateCache({
    load: () => {
      loads += 1;
      if (behaviour === "fail") return Promise.reject(new Error("database down"));
      if (behaviour === "hang") return new Promise((resolve) => (release = resolve));
      return Promise.resolve(stateWithVersion(loads));
    },
    ttlMs: 2_000,
    staleWaitMs: 20,
    now: () => clock,
  });
  const tunnel = {};
  await cache.get("a", tunnel);

  clock = 10_000;
  behaviour = "fail";
  assert.equal((await cache.get("a", tunnel)).passwordVersion, 1, "the database is down: last state");
  await assert.rejects(cache.get("a", {}), /database down/, "never another tunnel's state");

  behaviour = "ok";
  const reseeded = (await cache.get("a", tunnel)).passwordVersion;
  clock = 15_000;
  behaviour = "hang";
  assert.equal(
    (await cache.get("a", tunnel)).passwordVersion,
    reseeded,
    "a hanging reload is not waited for",
  );
  release?.(stateWithVersion(99));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(cache.peek("a", tunnel)?.passwordVersion, 99, "and its answer is kept when it comes");

  clock = 20_000;
  behaviour = "fail";
  cache.invalidate("a");
  await assert.rejects(cache.get("a", tunnel), /database down/, "an announced change has no fallback");
});
