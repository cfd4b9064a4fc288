import assert from "node:assert/strict";
import { test } from "node:test";
import { SignInThrottle } from "./sign-in-throttle.ts";

function setup() {
  let now = 1_000_000;
  const throttle = new SignInThrottle({ perClient: 3, perEmail: 5, windowMs: 60_000, now: () => now });
  return { throttle, advance: (ms: number) => (now += ms) };
}

test("allows attempts under the per-client limit", () => {
  const { throttle } = setup();
  throttle.fail("a@x.io", "1.1.1.1", "v1");
  throttle.fail("a@x.io", "1.1.1.1", "v1");
  assert.equal(throttle.retryAfter("a@x.io", "1.1.1.1", "v1"), 0);
});

test("blocks an email+IP after the limit and says for how long", () => {
  const { throttle, advance } = setup();
  for (let i = 0; i < 3; i++) throttle.fail("a@x.io", "1.1.1.1", "v1");
  assert.equal(throttle.retryAfter("a@x.io", "1.1.1.1", "v1"), 60);
  advance(59_500);
  assert.equal(throttle.retryAfter("a@x.io", "1.1.1.1", "v1"), 1);
  advance(500);
  assert.equal(throttle.retryAfter("a@x.io", "1.1.1.1", "v1"), 0);
});

test("email matching ignores case; other IPs are not blocked by one client", () => {
  const { throttle } = setup();
  for (let i = 0; i < 3; i++) throttle.fail("A@x.io", "1.1.1.1", "v1");
  assert.ok(throttle.retryAfter("a@X.io", "1.1.1.1", "v1") > 0);
  assert.equal(throttle.retryAfter("a@x.io", "2.2.2.2", "v1"), 0);
});

test("rotating IPs hits the per-email ceiling", () => {
  const { throttle } = setup();
  for (let i = 0; i < 5; i++) throttle.fail("a@x.io", `10.0.0.${i}`, "v1");
  assert.ok(throttle.retryAfter("a@x.io", "10.0.0.99", "v1") > 0);
  assert.equal(throttle.retryAfter("b@x.io", "10.0.0.99", "v1"), 0);
});

test("success clears the client's count", () => {
  const { throttle } = setup();
  for (let i = 0; i < 2; i++) throttle.fail("a@x.io", "1.1.1.1", "v1");
  throttle.succeed("a@x.io", "1.1.1.1", "v1");
  throttle.fail("a@x.io", "1.1.1.1", "v1");
  assert.equal(throttle.retryAfter("a@x.io", "1.1.1.1", "v1"), 0);
});

test("a new password version starts afresh: the old lock does not hold the new password", () => {
  const { throttle } = setup();
  for (let i = 0; i < 5; i++) throttle.fail("a@x.io", "1.1.1.1", "v1");
  assert.ok(throttle.retryAfter("a@x.io", "1.1.1.1", "v1") > 0);
  assert.equal(throttle.retryAfter("a@x.io", "1.1.1.1", "v2"), 0);
  assert.equal(throttle.retryAfter("a@x.io", "10.0.0.99", "v2"), 0);
});
