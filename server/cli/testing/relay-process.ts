import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../../../lib/db/embedded.ts";
import { projectRoot } from "../../../lib/project-root.ts";
import { DATA_DIR_LOCK_FILE } from "../data-dir-lock.ts";
import { databaseUrlFile } from "../database.ts";
import { testEnvironment } from "./run-cli.ts";

/**
 * Runs the bundled CLI's `relay` command (as `npm run burrow` and `npm start` run it) on an embedded
 * database in a data dir (a fresh one unless given), in a process group of its own like a
 * terminal's foreground job, and resolves once it serves.
 */
export async function startRelayCommand(scratch: string, existingDataDir?: string) {
  // The embedded server runs as the `postgres` OS user when we are root: it must reach the dir.
  await chmod(scratch, 0o755);
  const dataDir = existingDataDir ?? mkdtempSync(join(scratch, "data-"));
  await chmod(dataDir, 0o755);
  const httpPort = await freePort();
  const child = spawn(process.execPath, [join(projectRoot, "scripts", "burrow.mjs"), "relay"], {
    env: testEnvironment({
      PATH: process.env.PATH,
      HOME: scratch,
      BURROW_DATA_DIR: dataDir,
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_DOMAIN: "burrow.test",
      BURROW_SSH_PORT: String(await freePort()),
      BURROW_HTTP_PORT: String(httpPort),
    }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    output += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const deadline = Date.now() + 90_000;
  while (!output.includes("Relay running")) {
    assert.equal(child.exitCode, null, output);
    assert.ok(Date.now() < deadline, `the relay did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(output, /Database: embedded PostgreSQL, data in /);
  const url = readFileSync(databaseUrlFile(dataDir), "utf8").split("\n")[0] ?? "";
  assert.match(url, /^postgresql:\/\/postgres:.+@127\.0\.0\.1:\d+\/burrow$/);
  assert.ok(existsSync(join(dataDir, "auth-secret")));
  return { child, exited, url, dataDir, httpPort, output: () => output };
}

/** After a stop: exit 0, the relay stopped before the database, and nothing is left running. */
export async function assertStoppedInOrder(
  relay: Awaited<ReturnType<typeof startRelayCommand>>,
  signal: string,
) {
  assert.equal(await relay.exited, 0, relay.output());
  assert.match(relay.output(), new RegExp(`${signal}: stopping`));
  assert.match(relay.output(), /\nStopped\.\n$/, "the last line says it is over");
  assert.doesNotMatch(relay.output(), /control channel lost/, "the database outlives the relay");
  assert.equal(existsSync(databaseUrlFile(relay.dataDir)), false, "the announcement is withdrawn");
  assert.equal(existsSync(join(relay.dataDir, DATA_DIR_LOCK_FILE)), false, "the data dir is free again");
  const client = new pg.Client({ connectionString: relay.url, connectionTimeoutMillis: 2_000 });
  await assert.rejects(client.connect(), "the embedded server stopped with it");
}
