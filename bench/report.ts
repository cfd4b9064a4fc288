/**
 * Writes bench/RESULTS.md from the newest shared-harness run (its table and raw JSON) and the
 * Burrow-only measurements in bench/.run/extra/, with a "Targets" table for issue 5's goals.
 * Env: BENCH_HARNESS_WORK (the harness copy, default bench/.run/harness), RELAY_NAME (burrow).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ExtraResult, loadExtraResults, type TargetCheck } from "./lib/extra-result.ts";
import { loadLatestHarnessRun } from "./lib/harness-results.ts";
import { harnessTargets } from "./lib/harness-targets.ts";

const benchDir = import.meta.dirname;
const harnessWork = process.env.BENCH_HARNESS_WORK ?? join(benchDir, ".run", "harness");
const relayName = process.env.RELAY_NAME ?? "burrow";

const harness = await loadLatestHarnessRun(join(harnessWork, ".run"));
const table = await readFile(join(harnessWork, "results-latest.txt"), "utf8").catch(() => undefined);
const extras = await loadExtraResults();

const targets: TargetCheck[] = [
  ...(harness ? harnessTargets(harness, relayName) : []),
  ...extras.flatMap((e) => e.targets),
];
const metCount = targets.filter((t) => t.met).length;

const lines = [
  "# Benchmark results",
  "",
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Shared 2-core VM: the load`,
  "generator, origin, relay, SSH client and database share both cores, so read the ratios, not the",
  "absolute numbers. Reproduce with `npm run bench` (about 14 minutes; `REPS=1 DURATION=5` for a quick",
  "look, `npm run bench -- --only harness` or `--only extra` for one half).",
  "",
  `## Targets (issue 5): ${metCount} of ${targets.length} met`,
  "",
  "| target | measured | met |",
  "| --- | --- | --- |",
  ...targets.map(
    (t) => `| ${t.target} | ${t.measured} | ${t.met === null ? "n/a" : t.met ? "yes" : "**no**"} |`,
  ),
  "",
  "## Shared harness: direct, seed (nginx + sshd), tuned seed, Burrow",
  "",
  harness
    ? `Run of ${harness.when} (REPS=${harness.reps}, DURATION=${harness.duration} s); the \`${relayName}\` column is Burrow's relay with a plain OpenSSH \`ssh -R\` client. Harness: ../shared/bench (README there explains every row).`
    : "No harness run found (run `npm run bench`).",
  "",
  ...(table ? ["```", table.trimEnd(), "```", ""] : []),
  "## Burrow-only measurements",
  "",
  ...(extras.length ? extras.flatMap(extraSection) : ["None run yet (`npm run bench -- --only extra`).", ""]),
];
await writeFile(join(benchDir, "RESULTS.md"), `${lines.join("\n").trimEnd()}\n`);
process.stderr.write(`bench: wrote bench/RESULTS.md (${metCount}/${targets.length} targets met)\n`);

function extraSection(extra: ExtraResult): string[] {
  return [
    `### ${extra.title}`,
    "",
    `Run of ${extra.when}.`,
    "",
    "| metric | value |",
    "| --- | --- |",
    ...extra.rows.map(([metric, value]) => `| ${metric} | ${value} |`),
    "",
    ...(extra.notes.length ? ["Notes:", "", ...extra.notes.map((n) => `- ${n}`), ""] : []),
  ];
}
