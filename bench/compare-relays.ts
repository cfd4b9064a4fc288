/**
 * A/B of two checkouts' relays under the c64 small-request load, alternating runs, to check that an
 * optimisation helps before it is committed: `node --import tsx bench/compare-relays.ts <other repo>`
 * (the other checkout needs this bench/ directory). Prints median req/s and relay + ssh client CPU
 * per request (the steadier number on a shared machine) and the relay's peak RSS for both; saves
 * nothing.
 * Knobs: REPS (3 pairs), DURATION (10 s), BURROW_REQUEST_LOG (true), THIS_NODE_FLAGS /
 * OTHER_NODE_FLAGS (as in compare-streams.ts).
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createC64Fixture } from "./lib/c64-fixture.ts";
import { Cleanup, intEnv, log } from "./lib/cleanup.ts";
import { extraDir, fmt } from "./lib/extra-result.ts";
import { measureC64, median } from "./lib/measure-c64.ts";

const other = process.argv[2];
if (!other) throw new Error("usage: compare-relays.ts <path of the other checkout>");
const sides = { this: resolve(join(import.meta.dirname, "..")), other: resolve(other) };
const pairs = intEnv("REPS", 3);
const duration = intEnv("DURATION", 10);
const cleanup = new Cleanup();

try {
  await mkdir(extraDir, { recursive: true });
  const fixture = await createC64Fixture(cleanup, "abbench");
  const rps: Record<keyof typeof sides, number[]> = { this: [], other: [] };
  const cpu: Record<keyof typeof sides, number[]> = { this: [], other: [] };
  const rss: Record<keyof typeof sides, number[]> = { this: [], other: [] };
  for (let pair = 0; pair < pairs; pair++) {
    for (const side of pair % 2 === 0 ? (["this", "other"] as const) : (["other", "this"] as const)) {
      const run = await measureC64({
        ...fixture,
        durationSeconds: duration,
        repoRoot: sides[side],
        nodeFlags: (process.env[side === "this" ? "THIS_NODE_FLAGS" : "OTHER_NODE_FLAGS"] ?? "")
          .split(" ")
          .filter(Boolean),
        env: { BURROW_REQUEST_LOG: process.env.BURROW_REQUEST_LOG ?? "true" },
      });
      rps[side].push(run.wrk.rps);
      cpu[side].push(run.relayCpuMsPerRequest + run.clientCpuMsPerRequest);
      rss[side].push(run.relayRssPeakMiB);
      log(
        `${side.padEnd(5)} ${sides[side]}: ${fmt(run.wrk.rps)} req/s, p50 ${fmt(run.wrk.p50Ms)} ms, ` +
          `CPU/req relay ${fmt(run.relayCpuMsPerRequest)} ms + ssh ${fmt(run.clientCpuMsPerRequest)} ms, ` +
          `relay RSS ${fmt(run.relayRssPeakMiB)} MiB`,
      );
    }
  }
  const a = median(rps.this);
  const b = median(rps.other);
  const ca = median(cpu.this);
  const cb = median(cpu.other);
  process.stdout.write(
    `this ${fmt(a)} req/s, other ${fmt(b)} req/s: other/this x${(b / a).toFixed(2)}; ` +
      `relay+ssh CPU per request this ${fmt(ca)} ms, other ${fmt(cb)} ms: x${(cb / ca).toFixed(2)}; ` +
      `relay peak RSS this ${fmt(median(rss.this))} MiB, other ${fmt(median(rss.other))} MiB\n`,
  );
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`compare-relays failed: ${error instanceof Error ? error.stack : String(error)}\n`);
} finally {
  await cleanup.run();
  process.exit();
}
