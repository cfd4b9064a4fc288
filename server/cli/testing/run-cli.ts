import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { projectRoot } from "../../../lib/project-root.ts";
import { createTestDatabase, type TestDatabase } from "../../../lib/testing/db.ts";
import { buildServer } from "../../../scripts/build-server.mjs";

/**
 * The CLI as `npm run burrow` runs it: bundled by scripts/build-server.mjs, on plain Node. Built once
 * per test file (well under a second), into a directory of dist/ so that its packages resolve as the
 * real one's do; the directory holds the entry and its chunks. Under tsx each command took about
 * half a second more to start, and a CLI test file runs dozens.
 */
const cliBuildDir = join(projectRoot, "dist", `cli-test-${process.pid}`);
const cliBundle = await buildServer({ outfile: join(cliBuildDir, "burrow.mjs") });
after(() => rmSync(cliBuildDir, { recursive: true, force: true }));

/** The arguments for `spawn(process.execPath, …)` that run `burrow <args>`. */
export function cliArgs(args: string[]): string[] {
  return [cliBundle, ...args];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `burrow <args>` as a child process, as a person would, with stdin from `input` (not a TTY).
 * With `timeoutMs`, a command still running then is killed (its code is null).
 */
export function runCli(
  args: string[],
  options: { env: Record<string, string | undefined>; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(args), {
      env: testEnvironment(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A child's environment from exactly these variables (NODE_ENV is required by Next's ProcessEnv type). */
export function testEnvironment(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...vars, NODE_ENV: "test" };
}

export interface CliSandbox {
  database: TestDatabase;
  /** A temporary HOME (keys, data directory), removed after the file's tests. */
  dir: string;
  /** The CLI's whole environment: only PATH from this process, so a developer's settings never leak in. */
  env: Record<string, string | undefined>;
}

/**
 * A database and a temporary HOME of their own for one CLI test file, both removed after its tests.
 * `settings` are added to the environment (limits, BURROW_PASSWORD, TZ).
 */
export async function createCliSandbox(
  name: string,
  settings: Record<string, string> = {},
): Promise<CliSandbox> {
  const database = await createTestDatabase(name);
  const dir = mkdtempSync(join(tmpdir(), `burrow-${name.replaceAll("_", "-")}-`));
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  });
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    DATABASE_URL: database.url,
    BURROW_DATA_DIR: join(dir, "data"),
    ...settings,
  };
  return { database, dir, env };
}

/** An expected failure: non-zero, exactly one line on stderr, no stack trace. */
export function assertOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0, `expected failure, stderr: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0] ?? "", pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
}
