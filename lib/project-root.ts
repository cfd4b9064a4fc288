import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The package root (where package.json, prisma/ and app/ are), found by walking up from `from`.
 * Not a fixed number of `..`: the same code runs from its source file under tsx and from the
 * bundle (dist/burrow.mjs and its chunks in dist/burrow-chunks/, written by scripts/build-server.mjs)
 * under plain Node.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "burrow"
    ) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no Burrow package.json above ${from}`);
  }
}

/** The package root of this installation. */
export const projectRoot = findProjectRoot(import.meta.dirname);
