import assert from "node:assert/strict";
import { test } from "node:test";
import { RandomPool } from "./random-pool.ts";

test("fills exactly the requested range and leaves the rest of the buffer alone", () => {
  const pool = new RandomPool(64);
  const target = Buffer.alloc(40, 0xaa);
  pool.fill(target, 10, 19);
  assert.ok(target.subarray(0, 10).every((byte) => byte === 0xaa));
  assert.ok(target.subarray(29).every((byte) => byte === 0xaa));
  assert.notDeepEqual(target.subarray(10, 29), Buffer.alloc(19, 0xaa));
  assert.equal(pool.served, 19);
});

test("never hands out the same bytes twice, across many refills of the pool", () => {
  const pool = new RandomPool(64);
  const seen = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const padding = Buffer.alloc(12);
    pool.fill(padding, 0, padding.length);
    seen.add(padding.toString("hex"));
  }
  // 96 random bits each: a repeat means the pool reused bytes or skipped its refill.
  assert.equal(seen.size, 2_000);
  assert.equal(pool.served, 24_000);
});

test("a request larger than the pool is filled directly from the CSPRNG", () => {
  const pool = new RandomPool(16);
  const target = Buffer.alloc(1_000);
  pool.fill(target, 0, target.length);
  // 1,000 random bytes with fewer than 200 distinct values would be astronomically unlikely.
  assert.ok(new Set(target).size > 200);
  const small = Buffer.alloc(16);
  pool.fill(small, 0, 16);
  assert.notDeepEqual(small, target.subarray(0, 16));
});
