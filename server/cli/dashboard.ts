import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { AppError } from "../../lib/errors.ts";
import { projectRoot } from "../../lib/project-root.ts";
import { describeExit, type Supervisable, type Supervised, supervise } from "../../lib/supervisor.ts";
import { explainListenError } from "./listen-error.ts";

/** Whether this checkout has the Next.js dashboard at all. */
export function hasDashboard(root = projectRoot): boolean {
  return existsSync(join(root, "app"));
}

/** Sources whose change needs a new `next build`. */
const SOURCE_DIRS = ["app", "components", "lib"];
const SOURCE_FILES = [
  "next.config.ts",
  "proxy.ts",
  "postcss.config.mjs",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.next.json",
];

/**
 * True when `.next/BUILD_ID` is missing or older than the newest dashboard source, so a `git pull`
 * followed by `npm start` serves the new code without a separate build step.
 */
export async function dashboardNeedsBuild(root = projectRoot): Promise<boolean> {
  const built = await stat(join(root, ".next", "BUILD_ID")).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  if (built === undefined) return true;
  for (const file of SOURCE_FILES) {
    const s = await stat(join(root, file)).catch(() => undefined);
    if (s && s.mtimeMs > built) return true;
  }
  for (const dir of SOURCE_DIRS) {
    if ((await newestMtime(join(root, dir))) > built) return true;
  }
  return false;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Runs `next build`, its output prefixed; throws when it fails. */
export async function buildDashboard(
  environment: Record<string, string | undefined>,
  signal?: AbortSignal,
  root = projectRoot,
): Promise<void> {
  const child = spawnNext(["build"], environment, root);
  const kill = () => child.kill("SIGTERM");
  signal?.addEventListener("abort", kill, { once: true });
  const code = await exited(child);
  signal?.removeEventListener("abort", kill);
  signal?.throwIfAborted();
  if (code !== 0) throw new AppError("unavailable", "The dashboard build failed (see the output above)");
}

export interface RunningDashboard extends Supervisable {
  /** SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The dashboard as `burrow start` runs it: started again whenever Next stops by itself (a crash, the
 * OOM killer), while the relay keeps serving tunnels (lib/supervisor.ts).
 */
export async function startSupervisedDashboard(
  options: { port: number; host: string; environment: Record<string, string | undefined> },
  notice: (line: string) => void,
  signal?: AbortSignal,
  root = projectRoot,
): Promise<Supervised> {
  const launch = () => startDashboard(options, signal, root);
  return supervise("dashboard", await launch(), launch, notice);
}

/**
 * Spawns `next start` and resolves once it listens. Next runs in its own process: it owns its
 * module graph and worker threads, and a crash in a page cannot take the relay down.
 */
export async function startDashboard(
  options: { port: number; host: string; environment: Record<string, string | undefined> },
  signal?: AbortSignal,
  root = projectRoot,
): Promise<RunningDashboard> {
  // Checked first so that a taken port is the clear "already in use" error, not Next's stack trace.
  await assertPortFree(options.port, options.host);
  // Ready is Next's own "Ready in …" line, printed once its server listens. A probe connecting to
  // the port cannot tell Next from another program that took the port a moment after the check
  // above: it reported such a start as up, and Next then failed to listen.
  let ready!: () => void;
  const listening = new Promise<"ready">((resolve) => {
    ready = () => resolve("ready");
  });
  const child = spawnNext(
    ["start", "-p", String(options.port), "-H", options.host],
    options.environment,
    root,
    (line) => READY_LINE.test(line) && ready(),
  );
  const done = exited(child);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), 60_000);
  });
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  const outcome = await Promise.race([listening, done.then(() => "exited" as const), aborted, late]);
  clearTimeout(timer);
  // The signal is `burrow start`'s own, and every restart of the dashboard comes here again.
  if (onAbort) signal?.removeEventListener("abort", onAbort);
  if (outcome === "aborted") {
    child.kill("SIGTERM");
    await done;
    signal?.throwIfAborted();
  }
  if (outcome === "exited") {
    throw new AppError("unavailable", `The dashboard exited during start-up (is port ${options.port} free?)`);
  }
  if (outcome === "late") {
    child.kill("SIGKILL");
    throw new AppError(
      "unavailable",
      `The dashboard did not start listening on port ${options.port} within 60 s`,
    );
  }
  let stopping: Promise<void> | undefined;
  return {
    exited: done.then(() => describeExit(child.exitCode, child.signalCode)),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await done;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** What `next start` prints once its server listens (✓ Ready in 312ms). */
const READY_LINE = /\bReady in\b/;

function spawnNext(
  args: string[],
  environment: Record<string, string | undefined>,
  root: string,
  onLine?: (line: string) => void,
): ChildProcess {
  // Through node itself, with exit-with-parent.cjs preloaded: Next ends when this process is
  // killed without stopping it.
  const preload = join(projectRoot, "server", "cli", "exit-with-parent.cjs");
  const next = join(root, "node_modules", ".bin", "next");
  const child = spawn(process.execPath, ["--require", preload, next, ...args], {
    cwd: root,
    // Next sets NODE_ENV itself for build and start; stated here for its ProcessEnv type.
    env: { ...environment, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"] as const,
  });
  prefixLines(child.stdout, process.stdout, "dashboard | ", onLine);
  prefixLines(child.stderr, process.stderr, "dashboard | ");
  // If this process dies without stopping it (a crash: an uncaught exception exits at once), Next
  // would live on without its relay, holding the dashboard's port, and the next `npm start` would
  // fail on it. 'exit' listeners run even then; a signal is all that can be sent from one. A
  // SIGKILL runs nothing here: the preload notices within a second.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  return child;
}

/** Throws the "already in use" (or "not allowed") error when this port cannot be listened on. */
export function assertPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error) => reject(explainListenError(error)));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once("error", () => resolve(127));
  });
}

/** Next's output, marked so it is not mistaken for the relay's. */
function prefixLines(
  from: NodeJS.ReadableStream | null,
  to: NodeJS.WritableStream,
  prefix: string,
  onLine?: (line: string) => void,
): void {
  if (!from) return;
  let pending = "";
  from.setEncoding("utf8");
  from.on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      to.write(`${prefix}${line}\n`);
      onLine?.(line);
    }
  });
  from.on("end", () => {
    if (pending) to.write(`${prefix}${pending}\n`);
  });
}
