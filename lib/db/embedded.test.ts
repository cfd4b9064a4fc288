import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chownSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { restartDelayMs } from "../supervisor.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { isProcessAlive } from "./postgres-process.ts";

const dataDir = await mkdtemp(join(process.env.BURROW_TEST_SCRATCH ?? tmpdir(), "pg-supervised-"));
after(() => rm(dataDir, { recursive: true, force: true }));

function postmasterPid(): number {
  return Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

test("an embedded PostgreSQL killed under Burrow is started again with its data; stop() stops it for good", async () => {
  const notices: string[] = [];
  let last = 0;
  const server = await startEmbeddedPostgres({ dataDir, notice: (line) => notices.push(line) });
  try {
    await query(server.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('written before')");
    const killed = postmasterPid();
    process.kill(killed, "SIGKILL");

    const deadline = Date.now() + 30_000;
    let rows: unknown[] | undefined;
    while (!rows && Date.now() < deadline) {
      rows = await query(server.url, "SELECT note FROM kept").then(
        (result) => result.rows,
        () => sleep(200).then(() => undefined),
      );
    }
    assert.deepEqual(rows, [{ note: "written before" }], `not back within 30 s: ${notices.join(" / ")}`);
    assert.notEqual(postmasterPid(), killed, "a new server");
    assert.match(notices[0] ?? "", /stopped unexpectedly \(signal SIGKILL\): starting it again/);
    assert.ok(
      notices.some((line) => /not shut down cleanly .* replaying its write-ahead log/.test(line)),
      `the operator is told it recovers: ${notices.join(" / ")}`,
    );
    assert.ok(notices.includes("The embedded PostgreSQL is running again"), notices.join(" / "));
    last = postmasterPid();
  } finally {
    await server.stop();
  }
  await sleep(1_500);
  assert.equal(isProcessAlive(last), false, "stopped");
  await assert.rejects(query(server.url, "SELECT 1"), "and not started again after stop()");
});

test("a postmaster.pid whose pid now belongs to another program (a reboot after a crash) is removed, said, and the server starts", async () => {
  let server = await startEmbeddedPostgres({ dataDir });
  const lockFile = join(dataDir, "postgres", "postmaster.pid");
  const written = readFileSync(lockFile, "utf8");
  await server.stop();
  // PostgreSQL treats a pid it may signal as its running server: another process of its user.
  const asPostgres: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUserIds() : {};
  const other = spawn("sleep", ["60"], { ...asPostgres, stdio: "ignore" });
  try {
    assert.ok(other.pid);
    writeFileSync(lockFile, written.replace(/^\d+/, String(other.pid)), { mode: 0o600 });
    if (asPostgres.uid !== undefined) chownSync(lockFile, asPostgres.uid, asPostgres.gid ?? -1);
    const notices: string[] = [];
    server = await startEmbeddedPostgres({ dataDir, notice: (line) => notices.push(line) });
    try {
      assert.deepEqual((await query(server.url, "SELECT 1 AS up")).rows, [{ up: 1 }]);
      assert.match(
        notices.join(" / "),
        new RegExp(`Removed .*postmaster\\.pid .*\\(${other.pid}\\) now belongs to another program`),
      );
    } finally {
      await server.stop();
    }
  } finally {
    other.kill("SIGKILL");
  }
});

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

test("restart attempts wait 1 s, then twice as long each time, at most 30 s", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map(restartDelayMs),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
});

test("stop() ends a server that hangs (stopped with SIGSTOP) instead of waiting for it forever", async () => {
  const hungDir = await mkdtemp(join(process.env.BURROW_TEST_SCRATCH ?? tmpdir(), "pg-hung-"));
  const lines: string[] = [];
  const server = await startEmbeddedPostgres({
    dataDir: hungDir,
    stopGraceMs: 500,
    ownProcessGroup: true,
    log: (line) => lines.push(line),
  });
  const pid = Number(readFileSync(join(hungDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  try {
    process.kill(pid, "SIGSTOP");
    const stopped = await Promise.race([
      server.stop().then(() => "stopped"),
      sleep(20_000).then(() => "still waiting after 20 s"),
    ]);
    assert.equal(stopped, "stopped");
    assert.equal(isProcessAlive(pid), false);
    assert.ok(lines.includes("PostgreSQL did not stop: forcing an immediate shutdown"), lines.join(" / "));
  } finally {
    if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
    await rm(hungDir, { recursive: true, force: true });
  }
});
