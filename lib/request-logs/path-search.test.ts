import assert from "node:assert/strict";
import { test } from "node:test";
import { pathSearchForms } from "./path-search.ts";

test("text a browser encodes is also looked for encoded", () => {
  assert.deepEqual(pathSearchForms("<script"), ["<script", "%3Cscript"]);
  assert.deepEqual(pathSearchForms("café"), ["café", "caf%C3%A9"]);
  assert.deepEqual(pathSearchForms("🙂"), ["🙂", "%F0%9F%99%82"]);
  assert.deepEqual(pathSearchForms(`"it's"#1`), [`"it's"#1`, "%22it%27s%22%231"]);
});

test("a space is looked for as %20 and as a form's +", () => {
  assert.deepEqual(pathSearchForms("a <b"), ["a <b", "a%20%3Cb", "a+%3Cb"]);
});

test("text a URL carries as it is is looked for once; % is left as typed", () => {
  assert.deepEqual(pathSearchForms("/items/1?x=2&y"), ["/items/1?x=2&y"]);
  assert.deepEqual(pathSearchForms("%3Cscript"), ["%3Cscript"]);
  assert.deepEqual(pathSearchForms("50%_off"), ["50%_off"]);
});

test("the forms stay bounded: a lone surrogate is encoded as stored, forms too long to match are dropped", () => {
  assert.deepEqual(pathSearchForms("\ud800x"), ["\ud800x", "%EF%BF%BDx"]);
  const long = "é".repeat(500);
  assert.deepEqual(pathSearchForms(long), [long], "3000 characters encoded: longer than any stored path");
  assert.ok(pathSearchForms(" ".repeat(500)).every((form) => form.length <= 2048));
});
