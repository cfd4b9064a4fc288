import assert from "node:assert/strict";
import { test } from "node:test";
import { addKeySchema, keyLabelProblem } from "./schemas.ts";

test("a label over 100 characters is a problem that says its length; nothing is cut", () => {
  assert.equal(keyLabelProblem("x".repeat(500)), "Use at most 100 characters (this label has 500)");
  assert.equal(addKeySchema.safeParse({ label: "x".repeat(101), publicKey: "k" }).success, false);
});

test("labels up to 100 characters (spaces around them aside) are fine", () => {
  assert.equal(keyLabelProblem("x".repeat(100)), null);
  assert.equal(keyLabelProblem(`  ${"x".repeat(100)}  `), null);
  assert.equal(keyLabelProblem(""), null);
});
