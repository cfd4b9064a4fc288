import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import ssh2 from "ssh2";
import { HOST_KEY_FILE, loadOrCreateHostKey } from "./host-key.ts";

const run = promisify(execFile);

test("the host key is created once (mode 0600), then reused; its fingerprint matches ssh-keygen", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-hostkey-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, "data");

  const first = await loadOrCreateHostKey(dataDir);
  const path = join(dataDir, HOST_KEY_FILE);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const second = await loadOrCreateHostKey(dataDir);
  assert.equal(second.privateKey, first.privateKey);
  assert.equal(second.fingerprint, first.fingerprint);

  const parsed = ssh2.utils.parseKey(first.privateKey);
  assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
  assert.equal(parsed.type, "ssh-ed25519");
  const pubPath = join(dir, "key.pub");
  await writeFile(pubPath, `ssh-ed25519 ${parsed.getPublicSSH().toString("base64")}\n`);
  const { stdout } = await run("ssh-keygen", ["-lf", pubPath]);
  assert.ok(stdout.includes(first.fingerprint), `${stdout} vs ${first.fingerprint}`);
});

test("a host key copied in with loose permissions is tightened", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-hostkey-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const key = ssh2.utils.generateKeyPairSync("ed25519").private;
  await writeFile(join(dir, HOST_KEY_FILE), key, { mode: 0o644 });
  const loaded = await loadOrCreateHostKey(dir);
  assert.equal(loaded.privateKey, key);
  assert.equal((await stat(join(dir, HOST_KEY_FILE))).mode & 0o777, 0o600);
});
