import assert from "node:assert/strict";
import { test } from "node:test";
import { formBodyPattern } from "./body-search.ts";

test("a form search spells each byte as sent, percent-encoded, and a space also as +", () => {
  assert.equal(formBodyPattern("order_id-2.x"), null, "nothing an encoder changes: the plain search does");
  assert.equal(formBodyPattern("a b"), "a(?: |\\+|%20)b");
  assert.equal(
    formBodyPattern("é"),
    "(?:\\\\303|%C3)(?:\\\\251|%A9)",
    "non-ASCII as encode(…, 'escape') spells it",
  );
  assert.equal(formBodyPattern("1+1=2?"), "1(?:\\+|%2B)1(?:=|%3D)2(?:\\?|%3F)", "regex characters escaped");
  assert.equal(formBodyPattern("a\\b"), "a(?:\\\\\\\\|%5C)b", "a backslash is two in encode's spelling");
});
