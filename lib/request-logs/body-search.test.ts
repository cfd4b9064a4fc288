import assert from "node:assert/strict";
import { test } from "node:test";
import { bodyTextPattern, formBodyPattern } from "./body-search.ts";
import { caseVariants } from "./case-fold.ts";

test("a form search spells each byte as sent, percent-encoded, and a space also as +, letters in either case", () => {
  assert.equal(formBodyPattern("order_id-2.x"), null, "nothing an encoder changes: the plain search does");
  assert.equal(formBodyPattern("a b"), "(?:a|A)(?: |\\+|%20)(?:b|B)");
  assert.equal(
    formBodyPattern("é"),
    "(?:(?:\\\\303|%[Cc]3)(?:\\\\251|%[Aa]9)|(?:\\\\303|%[Cc]3)(?:\\\\211|%89))",
    "non-ASCII as encode(…, 'escape') spells it, é and É, hex in either case",
  );
  assert.equal(
    formBodyPattern("1+1=2?"),
    "1(?:\\+|%2[Bb])1(?:=|%3[Dd])2(?:\\?|%3[Ff])",
    "regex characters escaped",
  );
  assert.equal(
    formBodyPattern("a\\b"),
    "(?:a|A)(?:\\\\\\\\|%5[Cc])(?:b|B)",
    "a backslash is two in encode's spelling",
  );
});

test("a body search with a letter beyond ASCII spells each of its cases in encode's spelling; ASCII needs none", () => {
  assert.equal(bodyTextPattern("cafe 42"), null, "ILIKE folds ASCII");
  assert.equal(bodyTextPattern("É."), "(?:\\\\303\\\\211|\\\\303\\\\251)\\.");
});

test("case variants are single characters by Unicode's own mappings", () => {
  assert.deepEqual(caseVariants("é"), ["é", "É"]);
  assert.deepEqual(caseVariants("Σ"), ["Σ", "σ"]);
  assert.deepEqual(caseVariants("ǅ"), ["ǅ", "ǆ", "Ǆ"], "a title-case letter: all three");
  assert.deepEqual(caseVariants("ß"), ["ß"], "not SS: one character for one");
  assert.deepEqual(caseVariants("1"), ["1"]);
});
