import assert from "node:assert/strict";
import { test } from "node:test";
import { labelForKeyFile, looksLikePrivateKey, privateKeyFileMessage } from "./key-file.ts";

const PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb9ZP5k2QJ+qWJv6x1n2z3 tester1";

test("a picked .pub file suggests the key's comment as its label, as the hint says", () => {
  assert.equal(labelForKeyFile(`${PUBLIC}\n`, "key.pub"), "tester1");
  assert.equal(labelForKeyFile("ssh-ed25519 AAAA ann at work\n", "id.pub"), "ann at work");
});

test("a key without a comment suggests the file's name, without .pub", () => {
  assert.equal(labelForKeyFile("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n", "laptop.pub"), "laptop");
  assert.equal(labelForKeyFile("", "work-key.pub"), "work-key");
});

test("private keys are recognised whatever their format; public keys are not", () => {
  assert.ok(looksLikePrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n"));
  assert.ok(looksLikePrivateKey("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"));
  assert.ok(looksLikePrivateKey("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"));
  assert.ok(!looksLikePrivateKey(PUBLIC));
});

test("a private key file is named and the .pub next to it pointed to", () => {
  assert.match(privateKeyFileMessage("id_ed25519"), /^id_ed25519 is a PRIVATE key: never share it/);
  assert.match(privateKeyFileMessage("id_ed25519"), /\(id_ed25519\.pub\)\.$/);
});

test("an SSH2 file suggests its Comment, not its BEGIN line; a wrapped key its comment", () => {
  const ssh2 = [
    "---- BEGIN SSH2 PUBLIC KEY ----",
    'Comment: "rsa-key-20261205"',
    "AAAAC3NzaC1lZDI1NTE5AAAAIIyg0DMmTpqgZa9sbuAo4iOYi5AYq9ookC0vNynYSUaV",
    "---- END SSH2 PUBLIC KEY ----",
  ].join("\r\n");
  assert.equal(labelForKeyFile(ssh2, "putty.pub"), "rsa-key-20261205");
  assert.equal(labelForKeyFile(ssh2.replace(/Comment.*\r\n/, ""), "putty.pub"), "putty");
  const wrapped =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIyg0DMmTpqgZa9sbuAo4iOYi5AY\nq9ookC0vNynYSUaV ann@work";
  assert.equal(labelForKeyFile(wrapped, "id.pub"), "ann@work");
});
