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

test("a label with a newline or an escape sequence is a problem: it would reach an admin's terminal", () => {
  for (const label of ["two\nlines", "x\u001b[2Jwiped", "tab\there"]) {
    assert.equal(keyLabelProblem(label), "Use one line of text without control characters");
  }
  assert.equal(keyLabelProblem("Ann's laptop – work (ü)"), null);
});
