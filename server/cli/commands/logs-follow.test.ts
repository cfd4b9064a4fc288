import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { createDb } from "../../../lib/db.ts";
import { ANNOUNCE_SQL } from "../../../lib/request-logs/announcements.ts";
import { startTcpProxy } from "../../testing/tcp-proxy.ts";
import { databaseUrlFile, redact } from "../database.ts";
import { cliArgs, createCliSandbox, testEnvironment } from "../testing/run-cli.ts";
import { unreadableNote } from "./logs-follow.ts";

/** `burrow logs -f` through a database that goes away: said once, in words, and followed where it went. */
const { database, env } = await createCliSandbox("cli_logs_follow");
const dataDir = env.BURROW_DATA_DIR!;
const direct = new URL(database.url);

/**
 * The test database's password, which must never be printed: its own (the embedded server's), or
 * one a trust-auth server ignores.
 */
const secret = direct.password || "hunter2-secret";

/** A proxy to the test database and its URL, with the password. */
async function proxiedDatabase() {
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  after(() => proxy.close());
  const url = new URL(database.url);
  url.port = String(proxy.port);
  url.password = secret;
  return { proxy, url: url.toString() };
}

/** `burrow logs <args>` left running, its output gathered as it comes. */
function follow(args: string[], vars: Record<string, string | undefined>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, cliArgs(["logs", ...args]), {
    env: testEnvironment(vars),
  });
  child.stdin.end();
  const output = { stdout: "", stderr: "" };
  printed = output;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { child, output, exited };
}

async function logRequest(name: string, path: string): Promise<void> {
  await database.db.requestLog.create({
    data: { name, method: "GET", path, status: 200, durationMs: 1, clientIp: "203.0.113.9" },
  });
  // As the relay's log writer does: the row, then its announcement.
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, [name]);
}

/** What the latest follow() printed so far: said when a wait times out. */
let printed = { stdout: "", stderr: "" };

/**
 * Waits for what the follower prints. Generous: under CI's parallel load the first row once took
 * longer than 20 s to show (the CLI starting, then connecting through the proxy); a timeout says
 * what was printed, to tell a slow start from a follower that went wrong.
 */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\nstdout: ${printed.stdout}\nstderr: ${printed.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What `burrow start` writes for the embedded database it owns: its URL, then the owner's pid. */
async function publish(url: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(databaseUrlFile(dataDir), `${url}\n${process.pid}\n`, { mode: 0o600 });
}

test("logs -f on a running Burrow's embedded database follows it to its new URL after a restart", async () => {
  const { proxy, url } = await proxiedDatabase();
  // A running Burrow, as far as the CLI can tell: no DATABASE_URL, a published URL that answers.
  await publish(url);
  const { DATABASE_URL: _, ...embeddedEnv } = env;
  await logRequest("moving", "/before");
  const { child, output, exited } = follow(["moving", "-f", "-n", "1"], embeddedEnv);
  await waitFor(() => output.stdout.includes("/before"), "the first row");

  // `burrow stop`: the server goes, and with it the file; `npm start` then publishes the embedded
  // database it started again, on another port.
  await rm(databaseUrlFile(dataDir));
  proxy.cut();
  await waitFor(() => /trying again/i.test(output.stderr), "the outage's note");
  await logRequest("moving", "/meanwhile");
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  await publish(database.url);
  await waitFor(() => output.stdout.includes("/meanwhile"), "the row written while away");
  await waitFor(() => output.stderr.includes("Reading the log again."), "the note that it is back");
  await logRequest("moving", "/after");
  await waitFor(() => output.stdout.includes("/after"), "a row written after the move");

  child.kill("SIGINT");
  assert.equal(await exited, 0, output.stderr);
  assert.equal(output.stdout.match(/\/before/g)?.length, 1, "nothing printed twice");
  const notes = output.stderr.trimEnd().split("\n");
  assert.deepEqual(notes, [
    `Cannot reach the database at ${redact(url)}: stopped or restarting? Trying again every 2 s (Ctrl-C to stop).`,
    "Reading the log again.",
  ]);
  // It only looked for the database: one started here would keep the restarted Burrow from its own.
  assert.equal(existsSync(join(dataDir, "postgres")), false, "no embedded server started");
});

test("logs -f on DATABASE_URL waits for that database, whatever a running Burrow published", async () => {
  const { proxy, url } = await proxiedDatabase();
  await publish(database.url);
  await logRequest("pinned", "/before");
  const { child, output, exited } = follow(["pinned", "-f"], { ...env, DATABASE_URL: url });
  await waitFor(() => output.stdout.includes("/before"), "the first row");
  proxy.cut();
  await waitFor(() => /trying again/i.test(output.stderr), "the outage's note");
  await logRequest("pinned", "/meanwhile");
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.doesNotMatch(output.stdout, /\/meanwhile/, "read from the published database instead");
  // The same database back at the same address (PostgreSQL restarted): what was written meanwhile.
  proxy.restore();
  await waitFor(() => output.stdout.includes("/meanwhile"), "the row written while away");
  child.kill("SIGINT");
  assert.equal(await exited, 0, output.stderr);
  assert.match(
    output.stderr,
    /^Cannot reach the database at \S+:\*\*\*@\S+: stopped or restarting\? Trying again/,
  );
  assert.match(output.stderr, /\nReading the log again\.\n$/);
  assert.equal(output.stderr.includes(secret), false, "the password is never printed");
  await rm(databaseUrlFile(dataDir), { force: true });
});

test("the follower names a database that stopped under its query, not Prisma's raw 57P01 text", async () => {
  const db = createDb(database.url, { max: 1, applicationName: "burrow-test-57p01" });
  after(() => db.$disconnect());
  // What PostgreSQL sends a query running as it shuts down (the follower's, on `burrow stop`).
  const sleeping = db.$queryRaw`SELECT pg_sleep(30)::text AS slept`.then(
    () => undefined,
    (error: unknown) => error,
  );
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    for (let tries = 0; tries < 100; tries++) {
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep%'",
        ["burrow-test-57p01"],
      );
      if (rowCount) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await admin.end();
  }
  const error = await sleeping;
  assert.match(String((error as Error).message), /57P01/, "the error a stopped server gives");
  const url = new URL(database.url);
  url.password = secret;
  const note = unreadableNote(error, url.toString());
  assert.equal(
    note,
    `Cannot reach the database at ${redact(url.toString())}: stopped or restarting? Trying again every 2 s (Ctrl-C to stop).`,
  );
  assert.equal(note.includes(secret), false);
  // Anything else (a bug) is still said, on one line.
  assert.equal(
    unreadableNote(new Error("Invalid call\n\nsomething odd"), database.url),
    "Cannot read the log: something odd. Trying again every 2 s (Ctrl-C to stop).",
  );
});
