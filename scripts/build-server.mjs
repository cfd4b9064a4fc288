// Bundles a server entry (the CLI by default) into one ES module for plain Node. The long-running
// relay then needs no TypeScript loader: tsx's loader runs in a worker thread with its own V8
// heap, about 35 MiB of RSS for the life of the process (bench/RESULTS.md). Packages stay external
// (loaded from node_modules as usual); only the project's own TypeScript is compiled in. Takes well
// under a second, so `npm start` and `npm run burrow` rebuild every time and never run stale code.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");

/**
 * Prisma's generated client loads its query compiler as a module whose one export is the WASM
 * binary in base64 (2.2 MB). Imported as an ES module, that source and that string stay on the heap
 * for the life of the process, 4.4 MB of live heap that V8 scales the old generation's limit by
 * (4x with the relay's --heap-growing-percent=300): 10-15 MiB of the relay's RSS under load. The
 * bundled server requires the package's CommonJS copy instead and drops it from require's cache
 * once compiled, so both strings are garbage after start-up. Only the bundle is changed (the
 * dashboard and the tests load the generated client as it is); a generated client without the
 * expected import fails the build instead of silently keeping the strings.
 */
const WASM_IMPORT =
  /await import\("(@prisma\/client\/runtime\/query_compiler_[a-z]+_bg\.[a-z]+\.wasm-base64)\.mjs"\)/;
const prismaWasmOnce = {
  name: "prisma-wasm-once",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]lib[\\/]generated[\\/]prisma[\\/]internal[\\/]class\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const match = WASM_IMPORT.exec(source);
      if (!match) {
        return {
          errors: [
            { text: `build-server: the query compiler import in ${args.path} changed; update WASM_IMPORT` },
          ],
        };
      }
      const loadOnce = `(async () => {
      const { createRequire } = await import("node:module");
      const require = createRequire(import.meta.url);
      const file = require.resolve("${match[1]}.js");
      try {
        return require(file);
      } finally {
        delete require.cache[file];
      }
    })()`;
      return { contents: source.replace(WASM_IMPORT, `await ${loadOnce}`), loader: "ts" };
    });
  },
};

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
    plugins: [prismaWasmOnce],
    write: false,
    logLevel: "warning",
  });
  mkdirSync(dirname(outfile), { recursive: true });
  const temporary = `${outfile}.${process.pid}.tmp`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, outfile);
  return outfile;
}
