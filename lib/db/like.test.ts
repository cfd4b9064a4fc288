import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeLike } from "./like.ts";

test("LIKE's wildcards and its escape character are matched literally", () => {
  assert.equal(escapeLike("50%_off\\"), "50\\%\\_off\\\\");
  assert.equal(escapeLike("plain text"), "plain text");
});
