import assert from "node:assert/strict";
import { test } from "node:test";
import { asciiText } from "./ascii-text.ts";

test("the dashboard's typography is spelt in ASCII for ssh to print", () => {
  assert.equal(
    asciiText("Use only letters a–z, digits and hyphens — or -R 80:… for “random” → ok’"),
    `Use only letters a-z, digits and hyphens - or -R 80:... for "random" -> ok'`,
  );
});

test("other non-ASCII becomes one ? per character, ASCII is left alone", () => {
  assert.equal(asciiText('"mÿ-äpp😀" is not a valid name'), '"m?-?pp?" is not a valid name');
  assert.equal(asciiText("plain text: 100 % (ok)\n"), "plain text: 100 % (ok)\n");
});
