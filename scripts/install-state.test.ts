import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { projectRoot } from "../lib/project-root.ts";
import { dependencyProblems, prismaClientIsCurrent, writeSchemaStamp } from "./install-state.mjs";

const scratch = mkdtempSync(join(tmpdir(), "burrow-install-state-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A checkout of this project as `git pull` leaves it: scripts/ and prisma/ copied (so the scripts
 * see this directory as the root), everything else linked to the real one, except what `without`
 * names among node_modules' packages and lib's entries.
 */
function checkout(name: string, without: { packages?: string[]; lib?: string[] }): string {
  const root = join(scratch, name);
  mkdirSync(join(root, "node_modules"), { recursive: true });
  mkdirSync(join(root, "lib"));
  cpSync(join(projectRoot, "scripts"), join(root, "scripts"), { recursive: true });
  cpSync(join(projectRoot, "prisma"), join(root, "prisma"), { recursive: true });
  for (const file of ["package.json", "package-lock.json", "prisma.config.ts", "tsconfig.json", "server"]) {
    symlinkSync(join(projectRoot, file), join(root, file));
  }
  for (const entry of readdirSync(join(projectRoot, "node_modules"))) {
    if (without.packages?.includes(entry)) continue;
    symlinkSync(join(projectRoot, "node_modules", entry), join(root, "node_modules", entry));
  }
  for (const entry of readdirSync(join(projectRoot, "lib"))) {
    if (without.lib?.includes(entry)) continue;
    symlinkSync(join(projectRoot, "lib", entry), join(root, "lib", entry));
  }
  return root;
}

function runBurrow(root: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(root, "scripts", "burrow.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
}

test("a pull that added a dependency, without npm install: burrow names it and starts nothing", () => {
  const root = checkout("missing-package", { packages: ["busboy"] });
  const run = runBurrow(root, "help");
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /node_modules does not match package\.json \(busboy: not installed\)/);
  assert.match(run.stderr, /Run npm install/);
  assert.equal(run.stdout, "");
});

test("a dependency at another version than the lockfile's is named with both versions", () => {
  const root = join(scratch, "fake");
  mkdirSync(join(root, "node_modules", "left"), { recursive: true });
  mkdirSync(join(root, "node_modules", "right"), { recursive: true });
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({
      dependencies: { left: "1.0.0", gone: "1.0.0" },
      devDependencies: { right: "2.0.0", "omitted-dev": "1.0.0" },
    }),
  );
  writeFileSync(
    join(root, "package-lock.json"),
    JSON.stringify({
      packages: { "node_modules/left": { version: "1.0.0" }, "node_modules/right": { version: "2.0.0" } },
    }),
  );
  writeFileSync(join(root, "node_modules", "left", "package.json"), JSON.stringify({ version: "1.0.0" }));
  writeFileSync(join(root, "node_modules", "right", "package.json"), JSON.stringify({ version: "1.9.0" }));
  // A devDependency left out (npm install --omit=dev) is not one; one at another version is.
  assert.deepEqual(dependencyProblems(root), ["gone: not installed", "right: 1.9.0 installed, 2.0.0 wanted"]);
  assert.deepEqual(dependencyProblems(projectRoot), [], "this installation is complete");
});

test("the client's stamp follows the schema it was generated from", () => {
  const root = join(scratch, "stamp");
  mkdirSync(join(root, "prisma"), { recursive: true });
  mkdirSync(join(root, "lib", "generated", "prisma"), { recursive: true });
  writeFileSync(join(root, "prisma", "schema.prisma"), "model A { id Int @id }\n");
  assert.equal(prismaClientIsCurrent(root), false, "no stamp: generated before stamps, or never");
  writeSchemaStamp(root);
  assert.equal(prismaClientIsCurrent(root), true);
  writeFileSync(join(root, "prisma", "schema.prisma"), "model A { id Int @id\n b Int }\n");
  assert.equal(prismaClientIsCurrent(root), false);
});

test("a pull that changed the schema, without npm install: burrow generates the client first", () => {
  // lib/generated as an older Burrow left it: a client without a stamp.
  const root = checkout("stale-client", { lib: ["generated"] });
  cpSync(join(projectRoot, "lib", "generated"), join(root, "lib", "generated"), { recursive: true });
  rmSync(join(root, "lib", "generated", "prisma", ".schema-sha256"), { force: true });
  const run = runBurrow(root, "help");
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /prisma\/schema\.prisma changed since the database client was generated/);
  assert.match(run.stdout, /^Usage: npm run burrow/, "the command's own output is not mixed with it");
  assert.equal(prismaClientIsCurrent(root), true);
  const again = runBurrow(root, "help");
  assert.doesNotMatch(again.stderr, /generating it again/);
});
