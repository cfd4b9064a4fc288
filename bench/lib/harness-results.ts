import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** One repetition's result for one target and test, as the shared harness's bench.mjs saves it. */
export type RepResult = { error?: string } & Record<string, unknown>;

export interface HarnessRun {
  when: string;
  reps: number;
  duration: number;
  /** results[target][test] = one entry per repetition */
  results: Record<string, Record<string, RepResult[]>>;
}

/** The newest `results-*.json` the harness wrote into `runDir`, if any. */
export async function loadLatestHarnessRun(runDir: string): Promise<HarnessRun | undefined> {
  const files = (await readdir(runDir).catch(() => [] as string[])).filter((f) =>
    /^results-.*\.json$/.test(f),
  );
  let newest: { file: string; mtime: number } | undefined;
  for (const file of files) {
    const { mtimeMs } = await stat(join(runDir, file));
    if (!newest || mtimeMs > newest.mtime) newest = { file, mtime: mtimeMs };
  }
  if (!newest) return undefined;
  return JSON.parse(await readFile(join(runDir, newest.file), "utf8")) as HarnessRun;
}

/** A cell: the median over successful repetitions (like the harness's table), or the first error. */
export type Cell = { median: number } | { error: string } | undefined;

export function cellOf(run: HarnessRun, target: string, test: string, field: string): Cell {
  const reps = run.results[target]?.[test];
  if (!reps?.length) return undefined;
  const values = reps
    .filter((r) => !r.error)
    .map((r) => field.split(".").reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), r))
    .filter((v): v is number => typeof v === "number" && v > 0);
  if (!values.length) return { error: reps.find((r) => r.error)?.error ?? "n/a" };
  return { median: median(values) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
