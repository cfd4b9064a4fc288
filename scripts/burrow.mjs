// `npm start` and `npm run burrow -- …`: builds the CLI (scripts/build-server.mjs) and runs it in
// this process with the same arguments, on plain Node.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { stop as stopEsbuild } from "esbuild";
import { buildServer } from "./build-server.mjs";
import { dependencyProblems, prismaClientIsCurrent } from "./install-state.mjs";

const root = join(import.meta.dirname, "..");

// After a `git pull` without `npm install` (see install-state.mjs). Checked before anything runs,
// migrations included, so nothing is changed by a Burrow that cannot start.
const problems = dependencyProblems(root);
if (problems.length > 0) {
  const shown =
    problems.slice(0, 5).join("; ") + (problems.length > 5 ? `; and ${problems.length - 5} more` : "");
  console.error(
    `burrow: node_modules does not match package.json (${shown}). Run npm install (after every ` +
      "git pull that changes package.json), then start again.",
  );
  process.exit(1);
}
if (!prismaClientIsCurrent(root)) {
  // The schema changed (a pull, a branch switch) since lib/generated/prisma was made: the same
  // generation `npm install` runs, offline, in seconds. Its output goes to stderr, as this is not
  // the command's own output (`burrow user list` may be piped).
  console.error("prisma/schema.prisma changed since the database client was generated: generating it again…");
  const generated = spawnSync(process.execPath, [join(root, "scripts", "generate-prisma.mjs")], {
    cwd: root,
    stdio: ["ignore", 2, 2],
  });
  if (generated.status !== 0) {
    console.error(
      "burrow: generating the database client failed (see above). Run npm install, then start again.",
    );
    process.exit(1);
  }
}

const bundle = await buildServer();
// esbuild keeps its service process for more builds (17-38 MiB of RSS); this process does no more
// of them, and a relay runs for weeks.
await stopEsbuild();
await import(pathToFileURL(bundle).href);
