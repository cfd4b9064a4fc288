import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createTestDatabase } from "../lib/testing/db.ts";
import { HOST_KEY_FILE } from "./host-key.ts";

test("tsx server/main.ts: creates the host key, prints its fingerprint and ports, drains on SIGTERM", async (t) => {
  const database = await createTestDatabase("main");
  t.after(() => database.drop());
  const dataDir = await mkdtemp(join(tmpdir(), "burrow-main-"));
  t.after(() => rm(dataDir, { recursive: true, force: true }));

  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "main.ts")], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_SSH_PORT: "0",
      BURROW_HTTP_PORT: "0",
      BURROW_DATA_DIR: dataDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));

  const deadline = Date.now() + 20_000;
  // The relay's own lines, printed once it listens (the logger's fingerprint line comes earlier).
  const ready =
    /Burrow relay: ssh on port [1-9]\d*, http on port [1-9]\d*\nSSH host key fingerprint: SHA256:\S+\n/;
  while (!ready.test(stdout) && child.exitCode === null) {
    assert.ok(Date.now() < deadline, `relay did not start.\nstdout: ${stdout}\nstderr: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.match(stdout, ready, stderr);
  assert.equal((await stat(join(dataDir, HOST_KEY_FILE))).mode & 0o777, 0o600);

  child.kill("SIGTERM");
  assert.equal(await exited, 0, stderr);
});
