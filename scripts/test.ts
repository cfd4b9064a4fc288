/**
 * `npm test`: unit and integration tests (node:test) and then the Playwright specs, against a real
 * PostgreSQL — DATABASE_URL's server when set, otherwise an embedded one started here — and a real
 * Chromium. Prints one closing line: "tests: N passed, N failed, N skipped".
 *
 *   npm test                 everything
 *   npm test -- --only node  unit + integration only
 *   npm test -- --only e2e   Playwright only
 *   npm test -- <files…>     only these node:test files
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { startEmbeddedPostgres } from "../lib/db/embedded.ts";
import { dropLeftoverTestDatabases } from "../lib/testing/leftover-databases.ts";
import { prismaClientIsCurrent } from "./install-state.mjs";

const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const explicitFiles = args.filter((a, i) => !a.startsWith("--") && (onlyIndex < 0 || i !== onlyIndex + 1));

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * The node reporter's "✖ failing tests:" section, printed again just above the closing line: the
 * browser tests' minutes of output come after it, and a CI log is often read from its end.
 */
const FAILURE_REPORT_LIMIT = 12_000;
const failureReports: string[] = [];

async function main(): Promise<number> {
  // Once, here, rather than by the first of the parallel test files that runs burrow.mjs (which
  // does it too): a client rewritten under running tests fails them.
  if (!prismaClientIsCurrent(root)) {
    const generated = spawnSync(process.execPath, [join(root, "scripts", "generate-prisma.mjs")], {
      stdio: "inherit",
    });
    if (generated.status !== 0) return 1;
  }
  const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
  const scratch = await mkdtemp(join(tmpdir(), "burrow-test-"));
  // The embedded server runs as the `postgres` OS user when we are root: it must traverse this dir.
  await chmod(scratch, 0o755);
  let stopDb: (() => Promise<void>) | undefined;
  try {
    let serverUrl = process.env.DATABASE_URL;
    if (serverUrl) {
      console.log(`tests: using the PostgreSQL server of DATABASE_URL (a fresh database per test file)`);
      await sweepLeftovers(serverUrl);
    } else {
      const embedded = await startEmbeddedPostgres({ dataDir: join(scratch, "db"), database: "postgres" });
      stopDb = embedded.stop;
      serverUrl = embedded.url;
      console.log("tests: DATABASE_URL is unset, started an embedded PostgreSQL");
    }
    const env = {
      ...process.env,
      BURROW_TEST_DATABASE_URL: serverUrl,
      BURROW_TEST_SCRATCH: scratch,
      // The run the test files' databases belong to (lib/testing/leftover-databases.ts).
      BURROW_TEST_RUN_PID: String(process.pid),
    };

    if (only !== "e2e" && !interrupted) add(totals, await runNodeTests(env));
    if (only !== "node" && explicitFiles.length === 0 && !interrupted)
      add(totals, await runPlaywright(env, scratch));
  } finally {
    await stopDb?.().catch((e: unknown) => console.error("tests: stopping the embedded database:", e));
    await rm(scratch, { recursive: true, force: true });
  }
  for (const report of failureReports) console.log(`\n${report}`);
  console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  if (interrupted) return 130;
  return totals.failed > 0 || totals.passed === 0 ? 1 : 0;
}

/**
 * Drops what runs stopped midway left on the server (their files' databases, which their `after`
 * hooks never dropped), sparing those of runs still going. A failure only costs the space.
 */
async function sweepLeftovers(serverUrl: string): Promise<void> {
  try {
    const dropped = await dropLeftoverTestDatabases(serverUrl);
    if (dropped.length > 0) {
      console.log(
        `tests: dropped ${dropped.length} databases that interrupted test runs left (burrow_test_…)`,
      );
    }
  } catch (error) {
    console.error(`tests: could not look for databases earlier runs left: ${(error as Error).message}`);
  }
}

function add(into: Counts, from: Counts): void {
  into.passed += from.passed;
  into.failed += from.failed;
  into.skipped += from.skipped;
}

async function findTestFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "generated" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findTestFiles(path)));
    else if (/\.test\.tsx?$/.test(entry.name)) out.push(relative(root, path));
  }
  return out.sort();
}

/** Test files run at once (each has its own database and ephemeral ports). */
const TEST_CONCURRENCY = Math.max(2, Math.min(4, availableParallelism() * 2));

/**
 * The files that took longest, each run alone on the 2-core machine (wall seconds, December 2026,
 * with other work on it): started first. In path order the CLI files began midway and ran on
 * after the rest, a slot or two busy while the others idled. A file not listed still runs.
 */
const SLOWEST_FILES = [
  "server/cli/cli.test.ts", // 101 s: ~50 CLI processes, one after another
  "server/cli/cli-logs.test.ts", // 84 s
  "server/cli/start-helpers.test.ts", // 56 s: embedded PostgreSQL started per command
  "server/relay.test.ts", // 30–42 s
  "server/cli/status-stop.test.ts", // 34 s
];

/**
 * The slowest files first, so that the run ends with short ones filling the slots: the listed
 * ones, then the rest largest first (more tests, as a rule longer).
 */
async function slowestFirst(files: string[]): Promise<string[]> {
  const sizes = new Map(
    await Promise.all(files.map(async (file) => [file, (await stat(join(root, file))).size] as const)),
  );
  const rank = (file: string) => {
    const listed = SLOWEST_FILES.indexOf(file);
    return listed < 0 ? SLOWEST_FILES.length : listed;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0));
}

async function runNodeTests(env: NodeJS.ProcessEnv): Promise<Counts> {
  const files = explicitFiles.length
    ? explicitFiles
    : await slowestFirst(
        (
          await Promise.all(
            ["lib", "server", "components", "scripts", "bench"].map((d) =>
              existsSync(join(root, d)) ? findTestFiles(join(root, d)) : [],
            ),
          )
        ).flat(),
      );
  const { code, output } = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      // Files wait on sockets, ssh and timers far more than on the CPU: node's default (one file at
      // a time on 2 cores) left a core idle for most of the run.
      `--test-concurrency=${TEST_CONCURRENCY}`,
      // Backstops against a hang, not budgets (the slowest test takes about a minute): a test that
      // never ends fails after 5 minutes, and a file whose tests are done but which leaves a
      // socket or a child process holding its event loop open is ended rather than waited for.
      "--test-timeout=300000",
      "--test-force-exit",
      "--test-reporter=spec",
      ...files,
    ],
    env,
    30,
    "the node tests",
  );
  // The spec reporter's closing lines (ℹ pass 924): a reporter writing to a file of its own loses
  // its end to --test-force-exit, while stdout, a pipe, is written synchronously.
  const count = (label: string) => Number(output.match(new RegExp(`^ℹ ${label} (\\d+)$`, "m"))?.[1] ?? 0);
  const counts = {
    passed: count("pass"),
    failed: count("fail") + count("cancelled"),
    skipped: count("skipped"),
  };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // crashed before reporting
  const failing = output.lastIndexOf("\n✖ failing tests:");
  if (failing >= 0) {
    const report = output.slice(failing + 1).trimEnd();
    failureReports.push(
      report.length > FAILURE_REPORT_LIMIT
        ? `${report.slice(0, FAILURE_REPORT_LIMIT)}\n… (the rest is above, in the node tests' output)`
        : report,
    );
  }
  return counts;
}

/** Chromium for Playwright: BURROW_CHROMIUM / CHROMIUM_PATH, Debian's, or Playwright's own download. */
async function findChromium(): Promise<string | undefined> {
  const candidates = [
    process.env.BURROW_CHROMIUM,
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    const { chromium } = await import("@playwright/test");
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright has no browser of its own here
  }
  return undefined;
}

async function runPlaywright(env: NodeJS.ProcessEnv, scratch: string): Promise<Counts> {
  const specs = existsSync(join(root, "e2e"))
    ? (await readdir(join(root, "e2e"))).filter((f) => f.endsWith(".spec.ts"))
    : [];
  if (specs.length === 0) return { passed: 0, failed: 0, skipped: 0 };
  const chromium = await findChromium();
  if (!chromium) {
    console.error(
      "tests: no Chromium found for the browser tests. Install one with `sudo apt-get install chromium` " +
        "(Debian/Ubuntu) or `npx playwright install chromium`, or set BURROW_CHROMIUM=/path/to/chromium.",
    );
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const report = join(scratch, "playwright.json");
  const { code } = await run(
    join(root, "node_modules", ".bin", "playwright"),
    ["test", "--reporter=list,json"],
    {
      ...env,
      BURROW_CHROMIUM: chromium,
      PLAYWRIGHT_JSON_OUTPUT_NAME: report,
    },
    // Past Playwright's own globalTimeout (playwright.config.ts), for a set-up or teardown that hangs.
    35,
    "the browser tests",
  );
  try {
    const stats = JSON.parse(await readFile(report, "utf8")).stats as Record<string, number>;
    return {
      passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
      failed: (stats.unexpected ?? 0) || (code === 0 ? 0 : 1),
      skipped: stats.skipped ?? 0,
    };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

/** The command lines of the live processes in process group `group` (Linux; none elsewhere). */
function processesInGroup(group: number): string[] {
  const found: string[] = [];
  for (const pid of existsSync("/proc") ? readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)) : []) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ")".
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) !== group || state === "Z") continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      found.push(`${command.slice(0, 200)} (pid ${pid})`);
    } catch {
      // it ended meanwhile
    }
  }
  return found;
}

/** Set once Ctrl-C or a SIGTERM reached this script: no further phase starts. */
let interrupted = false;
/** Signals the running phase's process group, if one runs. */
let signalPhase: ((signal: NodeJS.Signals) => void) | undefined;
// A phase's group is not the terminal's foreground group: Ctrl-C reaches this script, not the
// phase, so it is passed on from here, and no further phase starts.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted = true;
    signalPhase?.(signal);
  });
}
// A reader that went away (`npm test | head`) stops the run as Ctrl-C does. Unhandled, the write
// error crashed this script and left the phase running on its own, detached from it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", () => {
    interrupted = true;
    signalPhase?.("SIGTERM");
  });
}

/**
 * Runs a test runner in a process group of its own, its output copied to ours, and ends it within
 * `limitMinutes` however it goes. Copied rather than inherited, and the group killed once the
 * runner exits: a process a test left behind would otherwise hold our stdout open, and whoever
 * reads it (CI) would wait for it for ever.
 */
function run(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  limitMinutes: number,
  what: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, {
      cwd: root,
      // Colours as if it wrote to the terminal itself.
      env: process.stdout.isTTY ? { FORCE_COLOR: "1", ...env } : env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout.setEncoding("utf8");
    child.stdout.pipe(process.stdout, { end: false });
    // The end of its output, for the counts in its closing lines.
    let output = "";
    child.stdout.on("data", (chunk: string) => {
      output = (output + chunk).slice(-65_536);
    });
    child.stderr.pipe(process.stderr, { end: false });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // the group is gone
      }
    };
    signalPhase = signalGroup;
    const watchdog = setTimeout(() => {
      console.error(`\ntests: ${what} did not finish within ${limitMinutes} minutes: stopped them`);
      signalGroup("SIGKILL");
    }, limitMinutes * 60_000);
    let status = 1;
    const finish = () => {
      clearTimeout(watchdog);
      signalPhase = undefined;
      // A process left behind is a test's bug: named, so it can be found.
      const left = child.pid === undefined ? [] : processesInGroup(child.pid);
      for (const command of left) console.error(`tests: ${what} left this running (stopped now): ${command}`);
      signalGroup("SIGKILL");
      resolve({ code: status, output: stripVTControlCharacters(output) });
    };
    child.on("exit", (code, signal) => {
      status = code ?? (signal ? 1 : 0);
      // Its last output may still be in the pipes; a process left behind that holds them is not
      // waited for.
      const late = setTimeout(finish, 2_000);
      child.once("close", () => {
        clearTimeout(late);
        finish();
      });
    });
    child.on("error", finish);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("tests:", error);
    process.exit(1);
  },
);
