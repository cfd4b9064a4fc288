import assert from "node:assert/strict";
import { test } from "node:test";
import {
  invalidNameMessage,
  NAME_MAX_LENGTH,
  nameProblem,
  nameSchema,
  RANDOM_NAME_LENGTH,
  randomName,
} from "./rules.ts";

test("valid names are normalised to lower case", () => {
  assert.equal(nameSchema.parse("  MyApp-2 "), "myapp-2");
  assert.equal(nameProblem("abc"), null);
  assert.equal(nameProblem("a".repeat(NAME_MAX_LENGTH)), null);
});

test("bad names get a specific reason", () => {
  assert.match(nameProblem("ab") ?? "", /at least 3/);
  assert.match(nameProblem("a".repeat(NAME_MAX_LENGTH + 1)) ?? "", /at most 63/);
  assert.match(nameProblem("-abc") ?? "", /hyphen/);
  assert.match(nameProblem("abc-") ?? "", /hyphen/);
  assert.match(nameProblem("my_app") ?? "", /letters a–z/);
  assert.match(nameProblem("my.app") ?? "", /letters a–z/);
  assert.match(nameProblem("../etc") ?? "", /letters a–z/);
  assert.match(nameProblem("xn--bcher-kva") ?? "", /reserved for DNS/);
  assert.match(nameProblem("caf\u00e9") ?? "", /letters a–z/);
});

test("reserved words cannot be taken, whatever their case", () => {
  for (const word of ["www", "API", "admin", "dashboard", "relay", "ssh", "mail"]) {
    assert.match(nameProblem(word) ?? "", /reserved/, word);
  }
});

test("random names are valid, long, and different each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const name = randomName();
    assert.equal(name.length, RANDOM_NAME_LENGTH);
    assert.equal(nameProblem(name), null, name);
    assert.match(name, /^[a-z]/);
    seen.add(name);
  }
  assert.equal(seen.size, 200);
});

test("an invalid name as one sentence: the name, then its problem after the colon in lower case", () => {
  assert.equal(invalidNameMessage("myapp"), null);
  assert.equal(invalidNameMessage("admin"), '"admin" is not a valid name: this name is reserved by Burrow');
  assert.equal(
    invalidNameMessage("my_app"),
    '"my_app" is not a valid name: use only letters a–z, digits and hyphens',
  );
});
