import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { isAppError } from "../errors.ts";
import { parsePublicKey } from "./parse.ts";

const dir = mkdtempSync(join(tmpdir(), "burrow-keys-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let made = 0;
/** A fresh key made by the real ssh-keygen, with what ssh-keygen -lf says about it. */
function keygen(type: string, bits?: number) {
  const file = join(dir, `key-${made++}`);
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...(bits ? ["-b", String(bits)] : []),
    "-N",
    "",
    "-C",
    "me@laptop",
    "-f",
    file,
  ]);
  const [size, fingerprint] = execFileSync("ssh-keygen", ["-lf", `${file}.pub`], { encoding: "utf8" }).split(
    " ",
  );
  return {
    pub: readFileSync(`${file}.pub`, "utf8"),
    priv: readFileSync(file, "utf8"),
    bits: Number(size),
    fingerprint,
  };
}

function rejects(input: string, pattern: RegExp) {
  assert.throws(
    () => parsePublicKey(input),
    (e: unknown) => isAppError(e) && e.code === "invalid_input" && pattern.test(e.message),
  );
}

test("ed25519, ecdsa and rsa keys parse with ssh-keygen's fingerprint", () => {
  for (const [type, bits] of [["ed25519"], ["ecdsa", 384], ["rsa", 3072]] as const) {
    const key = keygen(type, bits);
    const parsed = parsePublicKey(key.pub);
    assert.equal(parsed.fingerprint, key.fingerprint, type);
    assert.equal(parsed.bits, key.bits, type);
    assert.equal(parsed.comment, "me@laptop");
    assert.equal(parsed.publicKey, key.pub.split(" ").slice(0, 2).join(" "));
  }
});

test("private keys are refused with a warning", () => {
  rejects(keygen("ed25519").priv, /PRIVATE key/);
});

test("weak, unsupported and damaged keys are refused with the reason", () => {
  rejects(keygen("rsa", 1024).pub, /1024 bits; at least 2048/);
  rejects("ssh-dss AAAAB3NzaC1kc3MAAACBAP==", /DSA keys are insecure/);
  rejects("", /Paste a public key/);
  rejects("hello world", /not supported/);
  rejects(
    "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t yubikey",
    /Security keys.*ssh-keygen -t ed25519/,
  );
  rejects(
    "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQ= me",
    /SSH certificate.*without -cert/,
  );
  rejects("ssh-ed25519 not-base64!", /does not look like/);
  const pub = keygen("ed25519").pub;
  rejects(pub.slice(0, 40), /damaged or incomplete/);
  rejects(`${pub}\n${pub}`, /one key at a time/);
  rejects(pub.replace("ssh-ed25519", "ssh-rsa"), /damaged|says ssh-rsa/);
});

/** The key as `ssh-keygen -e` writes it: RFC 4716, as PuTTYgen's "Save public key" does too. */
function ssh2Form(pub: string): string {
  const file = join(dir, `export-${made++}.pub`);
  writeFileSync(file, pub);
  return execFileSync("ssh-keygen", ["-e", "-f", file], { encoding: "utf8" });
}

test("an SSH2 (RFC 4716) public key parses as ssh-keygen -i reads it, its Comment as the comment", () => {
  for (const [type, bits] of [["ed25519"], ["ecdsa", 256], ["rsa", 3072]] as const) {
    const key = keygen(type, bits);
    const exported = ssh2Form(key.pub);
    const parsed = parsePublicKey(exported);
    assert.equal(parsed.fingerprint, key.fingerprint, type);
    assert.equal(parsed.bits, key.bits, type);
    assert.equal(parsed.publicKey, key.pub.split(" ").slice(0, 2).join(" "));
    assert.match(parsed.comment, /-bit .*converted by/);
  }
  // PuTTYgen's own: Windows line ends, its comment, a header continued after a backslash.
  const key = keygen("ed25519");
  const [begin, , ...body] = ssh2Form(key.pub).trim().split("\n");
  const putty = [begin, 'Comment: "ed25519-key-\\', '20261205"', "x-extra: 1", ...body].join("\r\n");
  const parsed = parsePublicKey(`${putty}\r\n`);
  assert.equal(parsed.fingerprint, key.fingerprint);
  assert.equal(parsed.comment, "ed25519-key-20261205");
  rejects(ssh2Form(key.pub).replace(/\nAAAA/, "\nBBBB"), /SSH2 public key is damaged.*BEGIN to ---- END/);
});

test("a key wrapped at 60 columns is joined and accepted; two keys are still refused", () => {
  for (const [type, bits] of [["ed25519"], ["rsa", 2048]] as const) {
    const key = keygen(type, bits);
    const wrapped =
      key.pub
        .trim()
        .match(/.{1,60}/g)
        ?.join("\n") ?? "";
    assert.ok(wrapped.split("\n").length > 1);
    const parsed = parsePublicKey(wrapped);
    assert.equal(parsed.fingerprint, key.fingerprint, type);
    assert.equal(parsed.comment, "me@laptop");
  }
  // Word-wrapped (an email client): the break replaces the space before the comment.
  const key = keygen("ed25519");
  const [typeAndBlob, comment] = [key.pub.trim().split(" ").slice(0, 2).join(" "), "me@laptop"];
  const wordWrapped = parsePublicKey(`${typeAndBlob}\n${comment}`);
  assert.deepEqual([wordWrapped.fingerprint, wordWrapped.comment], [key.fingerprint, "me@laptop"]);
  const one = keygen("ed25519").pub.trim();
  const two = keygen("ed25519").pub.trim();
  rejects(`${one}\n${two}`, /one key at a time/);
  // A comment line copied from authorized_keys with it is left out.
  assert.equal(parsePublicKey(`# laptop\n${one}`).comment, "me@laptop");
});

test("authorized_keys options before the key are named, to be removed", () => {
  const key = keygen("ed25519").pub.trim();
  rejects(
    `no-pty,command="echo hi" ${key}`,
    /authorized_keys options \(no-pty,command="echo hi"\), which Burrow does not apply: remove everything before ssh-ed25519/,
  );
});
