import assert from "node:assert/strict";
import { test } from "node:test";
import ssh2 from "ssh2";
import { generateEd25519KeyPair } from "./generate.ts";
import { parsePublicKey } from "./parse.ts";

test("every generated ed25519 pair loads, public line and private key alike", () => {
  // ssh2's own generator gets about 1 in 330 wrong: 3,000 pairs would almost surely include one.
  for (let i = 0; i < 3_000; i++) {
    const pair = generateEd25519KeyPair("test");
    assert.ok(!(ssh2.utils.parseKey(pair.private) instanceof Error), pair.public);
    const parsed = parsePublicKey(pair.public);
    assert.equal(parsed.algorithm, "ssh-ed25519");
    assert.match(pair.public, / test$/);
  }
});
