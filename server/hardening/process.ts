/**
 * Test helpers for hardening tests that run real processes (the relay, burrow-connect, ssh): free
 * loopback ports, a child whose output is kept and waited on, and a hard kill for cleanup.
 * Not for production use.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import net from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A loopback port that was free a moment ago (the OS does not hand it out again right away). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface Child {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  exited: Promise<number | null>;
  /** Waits until stdout+stderr match, or throws with the output so far. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL if still running; waits (bounded) for the exit. */
  kill(): Promise<void>;
}

export function startChild(command: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  // What the child wrote last (a reason it exited with) may still be in the pipe when 'exit' fires,
  // so the output is waited for too; not for ever, as a grandchild (burrow-connect's ssh, after
  // SIGKILL) may hold the pipe open.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      void Promise.race([closed, sleep(1_000)]).then(() => resolve(code));
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    async waitForOutput(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`output did not match ${pattern}:\n${output}`);
        }
        await sleep(25);
      }
    },
    async stop(graceMs = 3_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const code = await Promise.race([exited, sleep(graceMs).then(() => "timeout" as const)]);
      if (code !== "timeout") return code;
      child.kill("SIGKILL");
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await Promise.race([exited, sleep(2_000)]);
    },
  };
}

const BURROW_CONNECT = join(import.meta.dirname, "../../bin/burrow-connect");

/**
 * Runs bin/burrow-connect against a relay on loopback, with a throwaway ssh setup: no config file,
 * no known_hosts, never a prompt. Without a name it keeps the relay's random name for its next run
 * under `stateDir` (its XDG_STATE_HOME), so give a test directory then, never the user's home.
 */
export function startBurrowConnect(options: {
  sshPort: number;
  keyPath: string;
  localPort: number;
  name?: string;
  stateDir?: string;
}): Child {
  return startChild(
    "sh",
    [
      BURROW_CONNECT,
      ...["-H", "127.0.0.1", "-p", String(options.sshPort), "-i", options.keyPath],
      String(options.localPort),
      ...(options.name ? [options.name] : []),
      "--",
      ...["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"],
      ...["-o", "UserKnownHostsFile=/dev/null"],
    ],
    options.stateDir ? { XDG_STATE_HOME: options.stateDir } : {},
  );
}
