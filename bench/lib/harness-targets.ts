import { fmt, type TargetCheck } from "./extra-result.ts";
import { type Cell, cellOf, type HarnessRun } from "./harness-results.ts";

type Num = { median: number };
const ok = (cell: Cell): cell is Num => cell !== undefined && "median" in cell;
const show = (cell: Cell, unit = ""): string =>
  ok(cell) ? `${fmt(cell.median)}${unit}` : cell ? `FAIL ${cell.error}` : "not measured";

/**
 * Issue 5's targets that the shared harness's rows answer, checked for the relay column `relay`
 * against `seed`, `seed-tuned` and `direct` of the same run.
 */
export function harnessTargets(run: HarnessRun, relay: string): TargetCheck[] {
  const c = (target: string, test: string, field: string) => cellOf(run, target, test, field);
  const checks: TargetCheck[] = [];
  const ratio = (a: Cell, b: Cell) => (ok(a) && ok(b) ? a.median / b.median : Number.NaN);
  const add = (target: string, measured: string, met: boolean | null) =>
    checks.push({ target, measured, met });

  const c64 = c(relay, "small_c64", "rps");
  const vsSeed = ratio(c64, c("seed", "small_c64", "rps"));
  const vsDirect = ratio(c64, c("direct", "small_c64", "rps"));
  add(
    "small requests, 64 connections: >= 2x seed req/s and >= 0.3x direct",
    `${show(c64, " req/s")}: x${fmt(vsSeed)} seed, x${fmt(vsDirect)} direct`,
    ok(c64) ? vsSeed >= 2 && vsDirect >= 0.3 : false,
  );

  const p50 = c(relay, "small_c1", "p50");
  add("small requests, 1 connection: p50 <= 1 ms", show(p50, " ms"), ok(p50) ? p50.median <= 1 : false);

  for (const [test, label] of [
    ["dl_1", "download 64 MiB x1"],
    ["dl_4", "download 64 MiB x4"],
  ] as const) {
    const mine = c(relay, test, "mibps");
    const r = ratio(mine, c("seed", test, "mibps"));
    add(
      `${label}: >= 1.5x seed MiB/s`,
      `${show(mine, " MiB/s")}: x${fmt(r)} seed`,
      ok(mine) ? r >= 1.5 : false,
    );
  }

  // The seed answers uploads with 413, so its tuned variant (same path, body buffering off) is the bar.
  const up = c(relay, "upload", "mibps");
  const seedUp = c("seed", "upload", "mibps");
  const base = ok(seedUp) ? seedUp : c("seed-tuned", "upload", "mibps");
  const upRatio = ratio(up, base);
  add(
    `upload 64 MiB: streams (no 413), >= 1.5x ${ok(seedUp) ? "seed" : "seed-tuned (seed: 413)"} MiB/s`,
    `${show(up, " MiB/s")}: x${fmt(upRatio)}`,
    ok(up) ? upRatio >= 1.5 : false,
  );

  const sse = c(relay, "sse", "firstMs");
  const sseRatio = ratio(sse, c("direct", "sse", "firstMs"));
  add(
    "SSE first event within 1.2x direct",
    `${show(sse, " ms")}: x${fmt(sseRatio)} direct`,
    ok(sse) ? sseRatio <= 1.2 : false,
  );

  const ws = c(relay, "ws", "p50us");
  const wsRatio = ratio(ws, c("direct", "ws", "p50us"));
  add(
    "WebSocket echo p50 within 3x direct",
    `${show(ws, " us")}: x${fmt(wsRatio)} direct`,
    ok(ws) ? wsRatio <= 3 : false,
  );

  const conns = c(relay, "small_c64", "originConnsPerReq");
  add("origin connections per request at c64 <= 0.05", show(conns), ok(conns) ? conns.median <= 0.05 : false);

  const rss = c(relay, "small_c64", "mem.relay.rss");
  add("relay RSS <= 200 MiB during the c64 run", show(rss, " MiB"), ok(rss) ? rss.median <= 200 : false);
  return checks;
}
