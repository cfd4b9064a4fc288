import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createCliSandbox, runCli } from "./testing/run-cli.ts";

const { dir, env } = await createCliSandbox("cli_key_formats", {
  BURROW_PASSWORD: "correct horse battery",
});
const cli = (args: string[], input?: string) => runCli(args, { env, input });

/** A fresh key by the real ssh-keygen: its .pub path and fingerprint. */
function keygen(name: string): { pub: string; fingerprint: string } {
  const file = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@laptop`, "-f", file]);
  const fingerprint = execFileSync("ssh-keygen", ["-lf", `${file}.pub`], { encoding: "utf8" }).split(" ")[1];
  return { pub: `${file}.pub`, fingerprint: fingerprint ?? "" };
}

test("key add takes an SSH2 (PuTTYgen) file and a wrapped key, and names authorized_keys options", async () => {
  const added = await cli(["user", "add", "bob@example.com"]);
  assert.equal(added.code, 0, added.stderr);

  const putty = keygen("putty");
  const ssh2 = execFileSync("ssh-keygen", ["-e", "-f", putty.pub], { encoding: "utf8" }).replace(
    /^Comment: .*$/m,
    'Comment: "rsa-key-20261205"',
  );
  writeFileSync(join(dir, "ssh2.pub"), ssh2);
  const fromSsh2 = await cli(["key", "add", "bob@example.com", join(dir, "ssh2.pub")]);
  assert.equal(fromSsh2.code, 0, fromSsh2.stderr);
  assert.equal(
    fromSsh2.stdout.trim(),
    `Added ssh-ed25519 key "rsa-key-20261205" ${putty.fingerprint} to bob@example.com`,
  );

  const wrapped = keygen("wrapped");
  const lines = readFileSync(wrapped.pub, "utf8")
    .trim()
    .match(/.{1,60}/g)
    ?.join("\n");
  const fromWrapped = await cli(["key", "add", "bob@example.com", "-"], `${lines}\n`);
  assert.equal(fromWrapped.code, 0, fromWrapped.stderr);
  assert.equal(
    fromWrapped.stdout.trim(),
    `Added ssh-ed25519 key "wrapped@laptop" ${wrapped.fingerprint} to bob@example.com`,
  );

  const restricted = keygen("restricted");
  const line = `no-pty,command="x" ${readFileSync(restricted.pub, "utf8")}`;
  const withOptions = await cli(["key", "add", "bob@example.com", "-"], line);
  assert.notEqual(withOptions.code, 0);
  assert.match(withOptions.stderr, /options \(no-pty,command="x"\).*remove everything before ssh-ed25519/);
});

test("key add finds a relative path from the directory npm was run in (INIT_CWD); a directory is explained", async () => {
  const added = await cli(["user", "add", "cleo@example.com"]);
  assert.equal(added.code, 0, added.stderr);
  const key = keygen("relative");
  // `npm run burrow -- key add … relative.pub` typed in `dir`: npm runs the CLI in the project's root.
  const fromThere = await runCli(["key", "add", "cleo@example.com", "relative.pub"], {
    env: { ...env, INIT_CWD: dir },
  });
  assert.equal(fromThere.code, 0, fromThere.stderr);
  assert.match(
    fromThere.stdout,
    new RegExp(`${key.fingerprint.replace(/[+/]/g, "\\$&")} to cleo@example\\.com`),
  );

  const folder = await runCli(["key", "add", "cleo@example.com", "."], { env: { ...env, INIT_CWD: dir } });
  assert.equal(folder.code, 2, folder.stdout);
  assert.equal(
    folder.stderr,
    "burrow key add: . is a directory: give the public key file in it (e.g. id_ed25519.pub)\n",
  );
});
