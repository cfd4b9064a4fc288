// Bundles a server entry (the CLI by default) into ES modules for plain Node. The long-running
// relay then needs no TypeScript loader: tsx's loader runs in a worker thread with its own V8
// heap, about 35 MiB of RSS for the life of the process (bench/RESULTS.md). Packages stay external
// (loaded from node_modules as usual); only the project's own TypeScript is compiled in. Takes well
// under a second, so `npm start` and `npm run burrow` rebuild every time and never run stale code.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
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
 * How long a chunk no build has written stays. A process loads its chunks while it starts (the
 * command it runs, the relay, the embedded database's module), and every start through
 * scripts/burrow.mjs is a build that writes its chunks anew; so only a process started more than
 * this long ago from an older build could still ask for one, and none does that late.
 */
const UNUSED_CHUNK_KEPT_MS = 24 * 60 * 60 * 1000;

/** Writes `contents` to `file` under a temporary name and renames it, so no reader sees half of it. */
function writeWhole(file, contents) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

/** Removes what `chunkDir` holds that this build did not write and no build wrote for a day. */
function pruneChunks(chunkDir, written) {
  const cutoff = Date.now() - UNUSED_CHUNK_KEPT_MS;
  // An entry that imports nothing lazily has no chunks, and none may have been written here yet.
  const names = existsSync(chunkDir) ? readdirSync(chunkDir) : [];
  for (const name of names) {
    const file = join(chunkDir, name);
    if (written.has(file)) continue;
    try {
      if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
    } catch {
      // Removed meanwhile by another build's pruning.
    }
  }
}

/**
 * Builds `entry` (absolute, or relative to the package root) into `outfile` and returns outfile.
 * Split into chunks so that a module imported with import() (a CLI command, the relay) is loaded,
 * with its packages, only when it is imported: loading every package any command uses cost each
 * `burrow` process about half a second of CPU. The chunks go to `<outfile's name>-chunks/` next to
 * it (dist/burrow-chunks/), named by their content: a process still running an older build finds
 * its chunks unchanged, and builds at the same time write the same bytes to a name. Each file is
 * written under a temporary name and renamed, the entry last, so a process starting meanwhile
 * never loads half of a build.
 */
export async function buildServer({
  entry = "server/cli/main.ts",
  outfile = join(root, "dist", "burrow.mjs"),
} = {}) {
  const extension = extname(outfile) || ".mjs";
  const name = basename(outfile, extname(outfile));
  const outdir = dirname(outfile);
  const result = await build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    splitting: true,
    outdir,
    entryNames: name,
    chunkNames: `${name}-chunks/[name]-[hash]`,
    outExtension: { ".js": extension },
    plugins: [prismaWasmOnce],
    write: false,
    logLevel: "warning",
  });
  const entryFile = resolve(outdir, `${name}${extension}`);
  const chunks = result.outputFiles.filter((file) => file.path !== entryFile);
  const entryOutput = result.outputFiles.find((file) => file.path === entryFile);
  if (!entryOutput || chunks.some((file) => relative(outdir, file.path).startsWith(".."))) {
    throw new Error(`build-server: esbuild wrote other files than ${outfile} and its chunks`);
  }
  for (const chunk of chunks) writeWhole(chunk.path, chunk.contents);
  writeWhole(entryFile, entryOutput.contents);
  pruneChunks(join(outdir, `${name}-chunks`), new Set(chunks.map((file) => file.path)));
  return outfile;
}
