import assert from "node:assert/strict";
import { pbkdf2 } from "node:crypto";
import { test } from "node:test";
import { dummyPasswordHash, HASHES_AT_ONCE, hashPassword, verifyPassword } from "./passwords.ts";

test("argon2id hashes verify the right password only", async () => {
  const hash = await hashPassword("tunnel password");
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.notEqual(hash, await hashPassword("tunnel password"), "salted");
  assert.equal(await verifyPassword(hash, "tunnel password"), true);
  assert.equal(await verifyPassword(hash, "Tunnel password"), false);
  assert.equal(await verifyPassword("not a hash", "x"), false);
  assert.equal(await dummyPasswordHash(), await dummyPasswordHash(), "computed once");
});

test("a burst of hashes leaves libuv's thread pool free for other work (session cookies, files)", async () => {
  const hash = await hashPassword("burst password");
  let hashesDone = 0;
  const hashes = Array.from({ length: 12 }, () =>
    verifyPassword(hash, "burst password").then((ok) => {
      hashesDone += 1;
      return ok;
    }),
  );
  // A job for the same thread pool, queued after all of them (as a session cookie's decryption).
  const other = await new Promise<number>((resolve, reject) =>
    pbkdf2("cookie", "salt", 1, 32, "sha256", (error) => (error ? reject(error) : resolve(hashesDone))),
  );
  assert.ok(other <= HASHES_AT_ONCE, `it waited for ${other} of 12 hashes`);
  assert.deepEqual(await Promise.all(hashes), Array(12).fill(true));
});
