import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { buildServer } from "../../scripts/build-server.mjs";
import { RELAY_NODE_FLAGS } from "../../server/node-flags.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface RelayProcessOptions {
  databaseUrl: string;
  /** Loopback address of the relay's HTTP front, e.g. 127.0.0.1:18082. */
  httpAddr: string;
  sshPort: number;
  domain: string;
  /** More settings (BURROW_REQUEST_LOG, BURROW_MAX_CONNECTIONS_PER_KEY, ...). */
  env?: Record<string, string>;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the relay exits. */
  cpuProfDir?: string;
  /** The relay's stdout and stderr go here (appended). */
  logFile: string;
  /** Start node with --expose-gc so memory() measures live objects only. */
  exposeGc?: boolean;
  /** More node/V8 flags for this relay only (after BENCH_RELAY_NODE_FLAGS's), for A/B runs. */
  nodeFlags?: readonly string[];
  /** Checkout whose relay to run (its bench/relay-main.ts); default this one. For A/B comparisons. */
  repoRoot?: string;
}

/** The relay's own view of its memory, in MiB (see relay-main.ts). */
export interface RelayMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** True when a full GC ran just before (the relay was started with exposeGc). */
  gc: boolean;
}

export interface RelayProcess {
  readonly pid: number;
  /** Asks the relay (SIGUSR2) for its memory; after a full GC when started with exposeGc. */
  memory(): Promise<RelayMemory>;
  /** SIGTERM, then SIGKILL after 15 s. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts bench/relay-main.ts (bundled) in its own process and waits until it says it is listening. */
export async function startRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
  const [host, port] = splitLoopback(options.httpAddr);
  // The V8 settings `npm start` runs the relay with (server/node-flags.ts), then the bench's own.
  const nodeFlags: string[] = [...RELAY_NODE_FLAGS];
  if (options.cpuProfDir) nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`);
  if (options.exposeGc) nodeFlags.push("--expose-gc");
  // Extra node/V8 flags for experiments (e.g. "--max-semi-space-size=32"), split on spaces.
  nodeFlags.push(...(process.env.BENCH_RELAY_NODE_FLAGS ?? "").split(" ").filter(Boolean));
  nodeFlags.push(...(options.nodeFlags ?? []));
  const runDir = join(repoRoot, "bench", ".run");
  await mkdir(runDir, { recursive: true });
  const log = createWriteStream(options.logFile, { flags: "a" });
  const root = options.repoRoot ?? repoRoot;
  // Bundled and run on plain Node, as `npm start` runs the relay (scripts/build-server.mjs): under
  // tsx the relay's RSS would include tsx's loader thread, which production does not have.
  const entry = await buildServer({
    entry: join(root, "bench", "relay-main.ts"),
    outfile: join(root, "bench", ".run", "relay-main.mjs"),
  });
  // A data directory of its own (host key, request-log spool), removed when it stops: rows a relay
  // stopped with still unwritten would otherwise be spooled there and written by the next bench
  // relay into its own, different database.
  const dataDir = await mkdtemp(join(runDir, "relay-data-"));
  const child = spawn(process.execPath, [...nodeFlags, entry], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      BURROW_DOMAIN: options.domain,
      BURROW_LISTEN_HOST: host,
      BURROW_HTTP_PORT: String(port),
      BURROW_SSH_PORT: String(options.sshPort),
      BURROW_SSH_HOST: "127.0.0.1",
      BURROW_DATA_DIR: dataDir,
      BURROW_ALLOW_RANDOM_NAMES: "false",
      AUTH_SECRET: "bench-only-secret-bench-only-secret-0123",
      ...options.env,
    },
  });
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => rm(dataDir, { recursive: true, force: true }));
  await waitReady(child, exited);
  child.stdout?.pipe(log);
  const memoryLines: ((line: RelayMemory) => void)[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/^memory (\{.*\})$/gm)) {
      memoryLines.shift()?.(JSON.parse(match[1]!) as RelayMemory);
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? 0,
    memory() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("bench relay: no memory report")), 10_000);
        memoryLines.push((report) => {
          clearTimeout(timer);
          resolve(report);
        });
        child.kill("SIGUSR2");
      });
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        log.end();
      })();
      return stopping;
    },
  };
}

function waitReady(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("bench relay did not become ready in time"));
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("relay ready")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bench relay exited during start-up (code ${code}); see its log`));
    });
  });
}

/** "127.0.0.1:18082" -> ["127.0.0.1", 18082]; anything but loopback is refused. */
export function splitLoopback(addr: string): [string, number] {
  const match = /^(127\.\d+\.\d+\.\d+):(\d+)$/.exec(addr);
  if (!match) throw new Error(`bench: refusing non-loopback address ${addr}`);
  return [match[1]!, Number(match[2])];
}
