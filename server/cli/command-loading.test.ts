import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cliArgs, createCliSandbox, testEnvironment } from "./testing/run-cli.ts";

const { dir, env } = await createCliSandbox("command_loading");

/**
 * Resolve hooks that write every package specifier the process imports (bare names, not the
 * bundle's own chunks or node: modules) to the file named by LOADED_PACKAGES_FILE.
 */
const RECORDING_HOOKS = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) {
    appendFileSync(process.env.LOADED_PACKAGES_FILE, specifier + "\\n");
  }
  return next(specifier, context);
}`;
const REGISTER_HOOKS = `import { register } from "node:module"; register(${JSON.stringify(
  `data:text/javascript,${encodeURIComponent(RECORDING_HOOKS)}`,
)});`;

let runs = 0;

/** Runs `burrow <args>` and returns its output with the packages it imported. */
function runRecording(args: string[]): Promise<{ code: number | null; stdout: string; packages: string[] }> {
  const file = join(dir, `loaded-${runs++}.txt`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", `data:text/javascript,${encodeURIComponent(REGISTER_HOOKS)}`, ...cliArgs(args)],
      { env: testEnvironment({ ...env, LOADED_PACKAGES_FILE: file }), stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      let recorded = "";
      try {
        recorded = readFileSync(file, "utf8");
      } catch {
        // Nothing imported: the file was never written.
      }
      resolve({ code, stdout, packages: [...new Set(recorded.split("\n").filter(Boolean))] });
    });
  });
}

test("--version and help import no package: neither Prisma, the database driver nor the relay's", async () => {
  const version = await runRecording(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^burrow \d+\.\d+\.\d+/);
  assert.deepEqual(version.packages, []);
  const help = await runRecording(["help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /user list/);
  assert.deepEqual(help.packages, []);
  // A command's own help too, even one whose example reads a setting.
  const reserveHelp = await runRecording(["name", "reserve", "--help"]);
  assert.equal(reserveHelp.code, 0);
  assert.match(reserveHelp.stdout, /ssh -R myapp:80:localhost:8000 -p 2222 <relay host>/);
  assert.ok(
    !reserveHelp.packages.some((name) => /prisma|^pg$|ssh2/.test(name)),
    String(reserveHelp.packages),
  );
});

test("user list imports the database client but not the relay's packages", async () => {
  const list = await runRecording(["user", "list"]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /No accounts yet/);
  assert.ok(list.packages.includes("@prisma/client/runtime/client"), String(list.packages));
  for (const relayOnly of ["ssh2", "acme-client", "busboy", "pg-copy-streams"]) {
    assert.ok(!list.packages.includes(relayOnly), `${relayOnly} in ${list.packages}`);
  }
});

test("stop, which signals a process and reads no database, imports no database client", async () => {
  const stopped = await runRecording(["stop"]);
  assert.equal(stopped.code, 0);
  assert.match(stopped.stdout, /nothing to stop/);
  // The settings' schema (zod) is every command's; the database's and the relay's packages are not.
  assert.ok(!stopped.packages.some((name) => /prisma|^pg$|argon2|ssh2/.test(name)), String(stopped.packages));
});
