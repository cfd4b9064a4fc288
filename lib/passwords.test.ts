import assert from "node:assert/strict";
import { test } from "node:test";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./passwords.ts";

test("argon2id hashes verify the right password only", async () => {
  const hash = await hashPassword("tunnel password");
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.notEqual(hash, await hashPassword("tunnel password"), "salted");
  assert.equal(await verifyPassword(hash, "tunnel password"), true);
  assert.equal(await verifyPassword(hash, "Tunnel password"), false);
  assert.equal(await verifyPassword("not a hash", "x"), false);
  assert.equal(await dummyPasswordHash(), await dummyPasswordHash(), "computed once");
});
