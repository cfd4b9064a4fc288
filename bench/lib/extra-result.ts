import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One row of RESULTS.md's "Targets" table. `met` is null when it could not be measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

/** What a Burrow-only measurement script (bench/*.ts) leaves for the report. */
export interface ExtraResult {
  id: string;
  title: string;
  when: string;
  /** Metric / value pairs, in order. */
  rows: [string, string][];
  targets: TargetCheck[];
  notes: string[];
}

export const extraDir = join(import.meta.dirname, "..", ".run", "extra");

export async function saveExtraResult(result: ExtraResult): Promise<string> {
  await mkdir(extraDir, { recursive: true });
  const file = join(extraDir, `${result.id}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 1)}\n`);
  return file;
}

export async function loadExtraResults(): Promise<ExtraResult[]> {
  const files = await readdir(extraDir).catch(() => [] as string[]);
  const results: ExtraResult[] = [];
  for (const file of files.filter((f) => f.endsWith(".json")).sort()) {
    results.push(JSON.parse(await readFile(join(extraDir, file), "utf8")) as ExtraResult);
  }
  return results;
}

/** A number with 3 significant digits, as the harness prints them. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}
