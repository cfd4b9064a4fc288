import { spawn } from "node:child_process";
import { join } from "node:path";

export const cliEntry = join(import.meta.dirname, "..", "main.ts");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `burrow <args>` as a child process, as a person would, with stdin from `input` (not a TTY). */
export function runCli(
  args: string[],
  options: { env: Record<string, string | undefined>; input?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", cliEntry, ...args], {
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
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A child's environment from exactly these variables (NODE_ENV is required by Next's ProcessEnv type). */
export function testEnvironment(vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...vars, NODE_ENV: "test" };
}
