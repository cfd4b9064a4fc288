import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AppError } from "../../lib/errors.ts";
import { claimDataDir, claimPidFile, DATA_DIR_LOCK_FILE, thisCommand } from "./data-dir-lock.ts";
import { holdClaim } from "./testing/claim-holder.ts";

const scratch = mkdtempSync(join(tmpdir(), "burrow-data-dir-lock-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Another process holding `dataDir`, as a running Burrow does; resolves once it has claimed it. */
async function holdInAnotherProcess(dataDir: string) {
  const script = `
    const { claimDataDir } = await import(${JSON.stringify(join(import.meta.dirname, "data-dir-lock.ts"))});
    await claimDataDir(${JSON.stringify(dataDir)});
    process.stdout.write("claimed\\n");
    setInterval(() => {}, 1000);
  `;
  // With -e, argv[1] is the first argument: "script" stands for the file a real `burrow start` runs.
  const argv = ["--import", "tsx", "--input-type=module", "-e", script, "script", "start"];
  const child = spawn(process.execPath, argv, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (text: string) => text.includes("claimed") && resolve());
    child.once("close", () => reject(new Error("the holder exited before claiming")));
  });
  return { child, exited };
}

test("a second Burrow on a data dir in use is refused, saying which process holds it and what to do", async (t) => {
  const dataDir = mkdtempSync(join(scratch, "held-"));
  const holder = await holdInAnotherProcess(dataDir);
  t.after(() => holder.child.kill("SIGKILL"));
  await assert.rejects(claimDataDir(dataDir), (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, "conflict");
    assert.match(
      error.message,
      new RegExp(`Another Burrow \\(burrow start, pid ${holder.child.pid}\\) is running`),
    );
    assert.match(
      error.message,
      /stop it first \(npm run burrow -- stop\), or give this one a BURROW_DATA_DIR of its own/,
    );
    return true;
  });
  assert.equal(
    readFileSync(join(dataDir, DATA_DIR_LOCK_FILE), "utf8").split("\n")[0],
    String(holder.child.pid),
    "the holder's claim is left alone",
  );
});

test("a data dir whose Burrow was killed (SIGKILL) is taken over by the next one", async () => {
  const dataDir = mkdtempSync(join(scratch, "killed-"));
  const holder = await holdInAnotherProcess(dataDir);
  holder.child.kill("SIGKILL");
  await holder.exited;
  const lock = await claimDataDir(dataDir);
  assert.equal(readFileSync(join(dataDir, DATA_DIR_LOCK_FILE), "utf8").split("\n")[0], String(process.pid));
  await lock.release();
  await lock.release();
  assert.equal(existsSync(join(dataDir, DATA_DIR_LOCK_FILE)), false, "released on stop");
});

test("a pid reused by another process since (a reboot, a container) does not hold the data dir", async () => {
  const dataDir = mkdtempSync(join(scratch, "reused-"));
  // A live process (this test's parent) recorded with a start time that is not its own.
  writeFileSync(join(dataDir, DATA_DIR_LOCK_FILE), `${process.ppid}\n1\n`);
  const lock = await claimDataDir(dataDir);
  await lock.release();
});

test("release leaves a claim that is no longer this process's", async () => {
  const dataDir = mkdtempSync(join(scratch, "taken-"));
  const lock = await claimDataDir(dataDir);
  writeFileSync(join(dataDir, DATA_DIR_LOCK_FILE), "1\n\n");
  await lock.release();
  assert.equal(readFileSync(join(dataDir, DATA_DIR_LOCK_FILE), "utf8"), "1\n\n");
});

test("processes claiming the same file at once take turns: never two holders, and nothing left behind", async () => {
  const dir = mkdtempSync(join(scratch, "turns-"));
  const holders = join(dir, "holders");
  mkdirSync(holders);
  // Each claims, checks it is the only holder, holds a moment, releases; many times, all at once.
  const script = `
    const { claimPidFile } = await import(${JSON.stringify(join(import.meta.dirname, "data-dir-lock.ts"))});
    const { readdirSync, rmSync, writeFileSync } = await import("node:fs");
    const { setTimeout: sleep } = await import("node:timers/promises");
    const holders = ${JSON.stringify(holders)};
    for (let turn = 0; turn < 15; turn++) {
      let claim = await claimPidFile(${JSON.stringify(join(dir, "turn.pid"))});
      while (!("lock" in claim)) claim = await claimPidFile(${JSON.stringify(join(dir, "turn.pid"))});
      writeFileSync(holders + "/" + process.pid, "");
      const together = readdirSync(holders).length;
      if (together > 1) process.stdout.write("overlap " + together + "\\n");
      await sleep(2);
      rmSync(holders + "/" + process.pid);
      await claim.lock.release();
    }
  `;
  const children = Array.from({ length: 6 }, () =>
    spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  const outputs = await Promise.all(
    children.map(
      (child) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          let out = "";
          child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text));
          child.once("close", (code) => resolve({ code, out }));
        }),
    ),
  );
  for (const { code, out } of outputs) {
    assert.equal(code, 0);
    assert.equal(out, "", "two processes held the claim at once");
  }
  assert.deepEqual(readdirSync(dir).sort(), ["holders"], "no claim, draft or moved-aside file is left");
});

test("a claim names its holder's command, so one kept waiting can say which to stop", async (t) => {
  const file = join(mkdtempSync(join(scratch, "named-")), "turn.pid");
  const holder = await holdClaim(t, file, "burrow logs myapp -f\u001b[2J");
  // An escape sequence in an argument never reaches the waiting one's terminal.
  assert.deepEqual(await claimPidFile(file), { ownerPid: holder, command: "burrow logs myapp -f?[2J" });
});

test("a claim from before commands were recorded (pid and start time only) still holds", async () => {
  const file = join(mkdtempSync(join(scratch, "unnamed-")), "turn.pid");
  const stat = readFileSync(`/proc/${process.ppid}/stat`, "utf8");
  writeFileSync(file, `${process.ppid}\n${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}\n`);
  assert.deepEqual(await claimPidFile(file), { ownerPid: process.ppid, command: undefined });
});

test("this process's command is the burrow command line as typed, quoted where a shell would need it", () => {
  assert.equal(thisCommand(["node", "scripts/burrow.mjs", "logs", "myapp", "-f"]), "burrow logs myapp -f");
  assert.equal(
    thisCommand(["node", "dist/burrow.mjs", "name", "disconnect", "app", "--reason", "back soon"]),
    'burrow name disconnect app --reason "back soon"',
  );
  assert.equal(thisCommand(["node", "scripts/burrow.mjs", "start"]), "burrow start");
});
