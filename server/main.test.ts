import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
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

/** `tsx server/main.ts` on `databaseUrl` with a data dir of its own, its output collected. */
function startMain(databaseUrl: string, dataDir: string) {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "main.ts")], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_SSH_PORT: "0",
      BURROW_HTTP_PORT: "0",
      BURROW_DATA_DIR: dataDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  /** Resolves once it serves or has exited, whichever comes first. */
  const settled = async () => {
    const deadline = Date.now() + 20_000;
    while (!/Burrow relay: ssh on port/.test(output.stdout) && child.exitCode === null) {
      assert.ok(Date.now() < deadline, `relay neither started nor exited.\n${output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const ready = async () => {
    await settled();
    assert.match(output.stdout, /Burrow relay: ssh on port/, output.stderr);
  };
  return { child, output, exited, settled, ready };
}

test("a second relay on the same database exits 1 saying which relay runs there; once that one is killed (SIGKILL), the next starts at once", async (t) => {
  const database = await createTestDatabase("main");
  t.after(() => database.drop());
  const scratch = await mkdtemp(join(tmpdir(), "burrow-main-"));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  const relays: ReturnType<typeof startMain>[] = [];
  t.after(() => {
    for (const relay of relays) if (relay.child.exitCode === null) relay.child.kill("SIGKILL");
  });
  const start = (dir: string) => {
    const relay = startMain(database.url, join(scratch, dir));
    relays.push(relay);
    return relay;
  };

  const first = start("first");
  await first.ready();
  const second = start("second");
  await second.settled();
  assert.doesNotMatch(second.output.stdout, /Burrow relay: ssh on port/, "the second relay must not run");
  assert.equal(await second.exited, 1, second.output.stderr);
  assert.match(
    second.output.stderr,
    new RegExp(
      `burrow relay: Another Burrow relay \\(pid ${first.child.pid} on ${hostname()}, connected from ` +
        "127\\.0\\.0\\.1, since \\S+\\) is running on the database burrow_test_main_\\w+ on 127\\.0\\.0\\.1:\\d+: " +
        "two relays on one database would both carry out the dashboard's commands and could give one " +
        "name to two clients\\. Stop that relay first, or give this one a database of its own \\(its own " +
        "DATABASE_URL\\)\\. Nothing was changed\\.",
    ),
  );
  assert.equal(first.child.exitCode, null, "the first relay runs on");
  assert.equal(await database.db.relayHeartbeat.count(), 1, "the refused relay never beat");

  first.child.kill("SIGKILL");
  await first.exited;
  const startedAt = Date.now();
  const third = start("third");
  await third.ready();
  assert.ok(Date.now() - startedAt < 15_000);
  assert.doesNotMatch(third.output.stderr, /Another Burrow relay/);
  third.child.kill("SIGTERM");
  assert.equal(await third.exited, 0, third.output.stderr);
});
