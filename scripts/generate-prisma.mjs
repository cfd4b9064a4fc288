// Runs `prisma generate` after install. Prisma's CLI insists on locating a native schema engine
// even though generation only needs WASM, and this machine cannot download one: point it at a stub
// that exits 1 so generation proceeds (see STACK.md). A real engine, if configured, is left alone.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSchemaStamp } from "./install-state.mjs";

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const dir = join(tmpdir(), "burrow-prisma-stub");
  mkdirSync(dir, { recursive: true });
  const stub = join(dir, "schema-engine");
  if (!existsSync(stub)) writeFileSync(stub, "#!/bin/sh\nexit 1\n");
  chmodSync(stub, 0o755);
  env.PRISMA_SCHEMA_ENGINE_BINARY = stub;
}
const root = join(import.meta.dirname, "..");
const result = spawnSync("npx", ["--no-install", "prisma", "generate"], { stdio: "inherit", env, cwd: root });
// Which schema this client is for: `npm start` generates it again when they differ (a git pull
// without npm install).
if (result.status === 0) writeSchemaStamp(root);
process.exit(result.status ?? 1);
