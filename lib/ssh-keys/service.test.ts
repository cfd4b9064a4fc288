import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AppError } from "../errors.ts";
import { createTestDatabase } from "../testing/db.ts";
import { addKey, deleteKey, listKeys } from "./service.ts";

const database = await createTestDatabase("keys");
const dir = mkdtempSync(join(tmpdir(), "burrow-keys-"));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database.drop();
});
const { db } = database;

/** A fresh key pair from the real ssh-keygen: [public line, path of the private key]. */
function generateKey(name: string, comment: string): [string, string] {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return [readFileSync(`${path}.pub`, "utf8"), path];
}

const ann = await db.user.create({ data: { email: "ann@example.com", passwordHash: "x" } });
const bob = await db.user.create({ data: { email: "bob@example.com", passwordHash: "x" } });
const [annKey, annPrivatePath] = generateKey("ann", "ann@laptop");

const rejects = (promise: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });

test("a key gets its comment as label and ssh-keygen's fingerprint", async () => {
  const key = await addKey(db, ann.id, { publicKey: annKey });
  assert.equal(key.label, "ann@laptop");
  assert.equal(key.algorithm, "ssh-ed25519");
  assert.equal(key.bits, 256);
  const expected = execFileSync("ssh-keygen", ["-lf", `${annPrivatePath}.pub`], { encoding: "utf8" });
  assert.equal(expected.split(" ")[1], key.fingerprint);
  assert.deepEqual(
    (await listKeys(db, ann.id)).map((k) => k.id),
    [key.id],
  );
  assert.deepEqual(await listKeys(db, bob.id), []);
});

test("an explicit label wins; with no comment the algorithm is the label", async () => {
  const [line] = generateKey("labelled", "");
  const key = await addKey(db, ann.id, { label: "  Work laptop ", publicKey: line });
  assert.equal(key.label, "Work laptop");
  const [bare] = generateKey("bare", "");
  assert.equal((await addKey(db, bob.id, { publicKey: bare })).label, "ssh-ed25519");
});

test("a registered key is a conflict: the owner is told its label, anyone else not whose it is", async () => {
  const bobsKeys = await listKeys(db, bob.id);
  await rejects(
    addKey(db, ann.id, { label: "again", publicKey: annKey }),
    "conflict",
    /^This key is already registered to your account \(as “ann@laptop”\)$/,
  );
  await rejects(
    addKey(db, bob.id, { publicKey: annKey }),
    "conflict",
    /^This key is already registered to another account: make a new one/,
  );
  assert.deepEqual(await listKeys(db, bob.id), bobsKeys);
});

test("a label over the limit is refused with its length, not cut", async () => {
  const [line] = generateKey("long-label", "");
  const bobsKeys = await listKeys(db, bob.id);
  await rejects(
    addKey(db, bob.id, { label: "x".repeat(500), publicKey: line }),
    "invalid_input",
    /^Use at most 100 characters \(this label has 500\)$/,
  );
  assert.deepEqual(await listKeys(db, bob.id), bobsKeys);
});

test("private keys and garbage are refused with the field named", async () => {
  await assert.rejects(addKey(db, ann.id, { publicKey: readFileSync(annPrivatePath, "utf8") }), (e) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, "invalid_input");
    assert.match(e.message, /PRIVATE key/);
    assert.ok(e.fieldErrors?.publicKey);
    return true;
  });
  await rejects(addKey(db, ann.id, { publicKey: "hello" }), "invalid_input");
});

test("deleting someone else's key is not_found; one's own works and closes its tunnels", async () => {
  const [key] = await listKeys(db, ann.id);
  assert.ok(key);
  await rejects(deleteKey(db, bob.id, key.id), "not_found");
  for (const name of ["myapp", "api"]) {
    await db.tunnelSession.create({ data: { userId: ann.id, name, clientIp: "1.2.3.4", sshKeyId: key.id } });
  }
  // An ended session is history, not a connected name.
  await db.tunnelSession.create({
    data: { userId: ann.id, name: "old", clientIp: "1.2.3.4", sshKeyId: key.id, endedAt: new Date() },
  });
  const listed = await listKeys(db, ann.id);
  assert.deepEqual(Object.fromEntries(listed.map((k) => [k.label, k.connectedNames])), {
    [key.label]: ["api", "myapp"],
    "ann@laptop": [],
  });
  await deleteKey(db, ann.id, key.id);
  assert.equal((await listKeys(db, ann.id)).length, 1);
  await rejects(deleteKey(db, ann.id, key.id), "not_found");
});
