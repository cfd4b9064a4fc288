import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { RELAY_NODE_FLAGS } from "./node-flags.ts";

const root = join(import.meta.dirname, "..");
const flags = RELAY_NODE_FLAGS.join(" ");

test("npm start, npm run burrow and the README's systemd unit start node with the relay's V8 flags", async () => {
  const scripts = (
    JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts;
  assert.equal(scripts.start, `node ${flags} scripts/burrow.mjs start`);
  assert.equal(scripts.burrow, `node ${flags} scripts/burrow.mjs`);
  const readme = await readFile(join(root, "README.md"), "utf8");
  assert.match(readme, new RegExp(`^\\s*ExecStart=/usr/bin/node ${flags} scripts/burrow\\.mjs start$`, "m"));
});

test("this node accepts the flags (a misspelt one would stop npm start before Burrow runs)", async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [
    ...RELAY_NODE_FLAGS,
    "-e",
    "process.stdout.write('started')",
  ]);
  assert.equal(stdout, "started");
  assert.equal(stderr, "");
});
