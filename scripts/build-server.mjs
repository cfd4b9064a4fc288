// Bundles a server entry (the CLI by default) into one ES module for plain Node. The long-running
// relay then needs no TypeScript loader: tsx's loader runs in a worker thread with its own V8
// heap, about 35 MiB of RSS for the life of the process (bench/RESULTS.md). Packages stay external
// (loaded from node_modules as usual); only the project's own TypeScript is compiled in. Takes well
// under a second, so `npm start` and `npm run burrow` rebuild every time and never run stale code.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");

/**
 * Builds `entry` (absolute, or relative to the package root) into `outfile` and returns outfile.
 * Written to a temporary name and renamed, so a process starting meanwhile never loads a
 * half-written file.
 */
export async function buildServer({
  entry = "server/cli/main.ts",
  outfile = join(root, "dist", "burrow.mjs"),
} = {}) {
  const result = await build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "warning",
  });
  mkdirSync(dirname(outfile), { recursive: true });
  const temporary = `${outfile}.${process.pid}.tmp`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, outfile);
  return outfile;
}
