/**
 * Request logging on vs off: the same relay set-up (throwaway database, one OpenSSH `ssh -R` client,
 * a small local app) started with BURROW_REQUEST_LOG=true and =false in alternating order, each
 * measured with `wrk -c64` small keep-alive requests. Reports the throughput ratio and how many log
 * rows reached the database per request, for two kinds of request: the harness's bare ones (Host
 * only: issue 5's target) and ones with a browser's usual headers (a cookie among them), whose rows
 * keep a dozen headers each, so what keeping headers costs is shown too.
 * Knobs: BENCH_LOG_PAIRS (4 per kind; the VM is noisy), DURATION (10 s per run).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createC64Fixture } from "./lib/c64-fixture.ts";
import { Cleanup, intEnv, log } from "./lib/cleanup.ts";
import { type ExtraResult, extraDir, fmt, saveExtraResult } from "./lib/extra-result.ts";
import { type C64Run, measureC64, median } from "./lib/measure-c64.ts";

const MAX_DIFFERENCE = 0.1;
const pairs = intEnv("BENCH_LOG_PAIRS", 4);
const duration = intEnv("DURATION", 10);
const profileDir = process.env.BENCH_CPU_PROF_DIR;
const cleanup = new Cleanup();
/** What Chromium sends for a page load, give or take: the headers a logged row keeps. */
const BROWSER_HEADERS = [
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
  "Accept-Language: en-US,en;q=0.9",
  "Accept-Encoding: gzip, deflate, br, zstd",
  'sec-ch-ua: "Chromium";v="140", "Not=A?Brand";v="24"',
  "sec-ch-ua-mobile: ?0",
  'sec-ch-ua-platform: "Linux"',
  "Sec-Fetch-Site: none",
  "Sec-Fetch-Mode: navigate",
  "Sec-Fetch-Dest: document",
  "Upgrade-Insecure-Requests: 1",
  "Cookie: session=0123456789abcdef; theme=dark",
];
const KINDS = { bare: [], browser: BROWSER_HEADERS } as const satisfies Record<string, readonly string[]>;
type Kind = keyof typeof KINDS;
type Run = C64Run & { logging: boolean; kind: Kind };

/** On/off medians of one kind of request. */
function summarise(runs: Run[]) {
  const on = runs.filter((r) => r.logging);
  const off = runs.filter((r) => !r.logging);
  const onRps = median(on.map((r) => r.wrk.rps));
  const offRps = median(off.map((r) => r.wrk.rps));
  const onCpu = median(on.map((r) => r.relayCpuMsPerRequest));
  const offCpu = median(off.map((r) => r.relayCpuMsPerRequest));
  const latency = (rs: Run[]) =>
    `${fmt(median(rs.map((r) => r.wrk.p50Ms)))} / ${fmt(median(rs.map((r) => r.wrk.p99Ms)))}`;
  const difference = 1 - onRps / offRps;
  return {
    onRps,
    offRps,
    onCpu,
    offCpu,
    difference,
    ratio: `x${(onRps / offRps).toFixed(2)} (${difference >= 0 ? `${(difference * 100).toFixed(1)} % slower` : "on not slower"})`,
    cpu: `${fmt(onCpu)} / ${fmt(offCpu)} (x${(onCpu / offCpu).toFixed(2)})`,
    latencyOn: latency(on),
    latencyOff: latency(off),
    rowsPerRequest: fmt(median(on.map((r) => r.rowsPerRequest))),
  };
}

try {
  await mkdir(extraDir, { recursive: true });
  const fixture = await createC64Fixture(cleanup, "logbench");
  const runs: Run[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      for (const logging of pair % 2 === 0 ? [true, false] : [false, true]) {
        const run = await measureC64({
          ...fixture,
          durationSeconds: duration,
          env: { BURROW_REQUEST_LOG: String(logging) },
          headers: KINDS[kind],
          cpuProfDir: profileDir ? join(profileDir, `${kind}-logging-${logging}`) : undefined,
        });
        runs.push({ ...run, logging, kind });
        log(
          `${kind.padEnd(7)} logging ${logging ? "on " : "off"}: ${fmt(run.wrk.rps)} req/s, rows/req ${fmt(run.rowsPerRequest)}`,
        );
      }
    }
  }

  const bare = summarise(runs.filter((r) => r.kind === "bare"));
  const browser = summarise(runs.filter((r) => r.kind === "browser"));
  const all = runs.map((r) => r.wrk.rps);
  const errors = runs.reduce((sum, r) => sum + r.wrk.errors, 0);
  const result: ExtraResult = {
    id: "request-logging",
    title: `Request logging on vs off (wrk -c64 small keep-alive requests, bare and with a browser's headers, ${pairs} alternating pairs of ${duration} s each)`,
    when: new Date().toISOString(),
    rows: [
      ["bare requests: logging on / off, req/s (median)", `${fmt(bare.onRps)} / ${fmt(bare.offRps)}`],
      ["bare requests: on / off throughput", bare.ratio],
      ["bare requests: relay CPU per request, on / off, ms", bare.cpu],
      ["bare requests: p50 / p99 ms, logging on; off", `${bare.latencyOn}; ${bare.latencyOff}`],
      ["browser headers: logging on / off, req/s (median)", `${fmt(browser.onRps)} / ${fmt(browser.offRps)}`],
      ["browser headers: on / off throughput", browser.ratio],
      ["browser headers: relay CPU per request, on / off, ms", browser.cpu],
      ["browser headers: p50 / p99 ms, logging on; off", `${browser.latencyOn}; ${browser.latencyOff}`],
      [
        "log rows written per request (logging on)",
        `${bare.rowsPerRequest} bare, ${browser.rowsPerRequest} browser`,
      ],
      [
        "spread of all runs (max-min)/median",
        `${fmt(((Math.max(...all) - Math.min(...all)) / median(all)) * 100)} %`,
      ],
      [
        "each run, req/s",
        runs.map((r) => `${r.kind} ${r.logging ? "on" : "off"} ${fmt(r.wrk.rps)}`).join(", "),
      ],
      ["wrk errors (all runs)", String(errors)],
    ],
    targets: [
      {
        target: "request logging on vs off: <= 10 % throughput difference",
        measured: `on ${fmt(bare.onRps)} vs off ${fmt(bare.offRps)} req/s (x${(bare.onRps / bare.offRps).toFixed(2)}); relay CPU/request x${(bare.onCpu / bare.offCpu).toFixed(2)}; with browser headers x${(browser.onRps / browser.offRps).toFixed(2)}`,
        // The cost is what matters: logging on measuring faster is noise (runs differ by more than 10 %).
        met: bare.difference <= MAX_DIFFERENCE && errors === 0,
      },
    ],
    notes: [],
  };
  log(`saved ${await saveExtraResult(result)}`);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`request-logging failed: ${error instanceof Error ? error.stack : String(error)}\n`);
} finally {
  await cleanup.run();
  process.exit();
}
