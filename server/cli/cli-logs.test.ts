/**
 * `burrow logs` against a real database: listing with the dashboard's filters, --follow, --bodies
 * and --delete, and a database that is not set up or cannot be used. Split from cli.test.ts, whose
 * single file ran past the suite's 5-minute limit per file under CI's parallel load.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { ANNOUNCE_SQL } from "../../lib/request-logs/announcements.ts";
import { captureHeaders } from "../../lib/request-logs/headers.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import {
  assertOneLineError,
  type CliResult,
  cliArgs,
  createCliSandbox,
  runCli,
  testEnvironment,
} from "./testing/run-cli.ts";

const { database, env } = await createCliSandbox("cli_logs", { BURROW_MAX_NAMES: "5" });
const cli = (args: string[], extra: Record<string, string> = {}, input?: string) =>
  runCli(args, { env: { ...env, ...extra }, input });

// The account the tests reserve names for (cli.test.ts adds it through the CLI).
before(async () => {
  await database.db.user.create({ data: { email: "ann@example.com", passwordHash: "x" } });
});

test("logs prints the latest requests, and --follow prints new ones until Ctrl-C", async () => {
  const row = { name: "myapp", durationMs: 12.5, clientIp: "203.0.113.9" };
  await database.db.requestLog.createMany({
    data: [
      // Three hours ago, for the time window options.
      {
        ...row,
        method: "GET",
        path: "/first",
        status: 200,
        bytesOut: 2048n,
        at: new Date(Date.now() - 3 * 3_600_000),
      },
      { ...row, method: "POST", path: "/second", status: 502, error: "local_unreachable" },
      {
        ...row,
        method: "GET",
        path: "/locked",
        status: 401,
        admission: "DENIED",
        accessPage: "password_wrong",
      },
    ],
  });
  const shown = await cli(["logs", "myapp", "--limit", "2"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^TIME\s+METHOD\s+PATH\s+STATUS\s+DURATION\s+SIZE\s+NOTE\s+CLIENT IP/);
  assert.match(shown.stdout, /POST\s+\/second\s+502\s+13 ms\s+0 B out\s+local_unreachable\s+203\.0\.113\.9/);
  assert.match(shown.stdout, /GET\s+\/locked\s+401\s+13 ms\s+0 B out\s+password_wrong\s+203\.0\.113\.9/);
  assert.doesNotMatch(shown.stdout, /\/first/, "--limit 2 shows the latest only");
  assert.match((await cli(["logs", "myapp"])).stdout, /GET\s+\/first\s+200\s+13 ms\s+2\.0 kB out/);
  // The dashboard's filters: only the 5xx row, only one visitor's, or none.
  const failed = await cli(["logs", "myapp", "--status", "5xx"]);
  assert.match(failed.stdout, /\/second/);
  assert.doesNotMatch(failed.stdout, /\/first|\/locked/);
  const exact = await cli(["logs", "myapp", "--status", "401"]);
  assert.match(exact.stdout, /\/locked/);
  assert.doesNotMatch(exact.stdout, /\/first|\/second/, "one code, not its class");
  // A time window: the last hour, from a time on, or up to one.
  const lastHour = await cli(["logs", "myapp", "--since", "1h"]);
  assert.match(lastHour.stdout, /\/second/);
  assert.doesNotMatch(lastHour.stdout, /\/first/);
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
  assert.doesNotMatch((await cli(["logs", "myapp", "--from", twoHoursAgo])).stdout, /\/first/);
  const before = await cli(["logs", "myapp", "--to", twoHoursAgo]);
  assert.match(before.stdout, /\/first/);
  assert.doesNotMatch(before.stdout, /\/second|\/locked/);
  assert.match(
    (await cli(["logs", "myapp", "--since", "30m", "--path", "/first"])).stdout,
    /No requests to myapp match these filters/,
  );
  const visitor = await cli(["logs", "myapp", "--ip", "203.0.113.9", "--method", "get", "--path", "LOCK"]);
  assert.match(visitor.stdout, /\/locked/);
  assert.doesNotMatch(visitor.stdout, /\/first|\/second/);
  const nobody = await cli(["logs", "myapp", "--ip", "198.51.100.1"]);
  assert.equal(nobody.code, 0, nobody.stderr);
  assert.match(nobody.stdout, /No requests to myapp match these filters/);
  // A name typed wrong is told apart from a quiet one.
  assert.equal((await cli(["name", "reserve", "ann@example.com", "quiet-app"])).code, 0);
  assert.match((await cli(["logs", "Quiet-App"])).stdout, /^No requests logged for quiet-app yet$/m);
  // Exit 1, for a script too; also with filters or --json, which would otherwise say nothing.
  for (const args of [
    ["logs", "myap"],
    ["logs", "myap", "--status", "5xx"],
    ["logs", "myap", "--json"],
  ]) {
    const typo = await cli(args);
    assertOneLineError(typo, /^burrow logs: No name called myap \(name list shows the names\)$/);
    assert.equal(typo.code, 1);
    assert.equal(typo.stdout, "");
  }

  // --headers: both lists under their request, credentials hidden, nothing a terminal would obey.
  await database.db.requestLog.create({
    data: {
      ...row,
      name: "inspected",
      method: "GET",
      path: "/\u001b[2Jwiped",
      status: 200,
      requestHeaders: captureHeaders([
        "Host",
        "inspected.example.com",
        "Cookie",
        "sid=1",
        "X-Evil",
        "\u009b31mred",
      ]),
      responseHeaders: captureHeaders(["Content-Type", "text/html"]),
    },
  });
  // --header finds a row by a header's name or value.
  assert.match((await cli(["logs", "inspected", "--header", "x-evil"])).stdout, /wiped/);
  assert.match(
    (await cli(["logs", "inspected", "--header", "x-not-sent"])).stdout,
    /No requests to inspected match these filters/,
  );
  const withHeaders = await cli(["logs", "inspected", "--headers"]);
  assert.equal(withHeaders.code, 0, withHeaders.stderr);
  const lines = withHeaders.stdout.trimEnd().split("\n");
  assert.match(lines[1] ?? "", /GET\s+\/\?\[2Jwiped\s+200/);
  assert.deepEqual(lines.slice(2), [
    "    > Host: inspected.example.com",
    "    > Cookie: (hidden)",
    "    > X-Evil: \\x9B31mred",
    "    < Content-Type: text/html",
  ]);
  assert.ok(
    !withHeaders.stdout.includes("\u001b") && !withHeaders.stdout.includes("\u009b"),
    "no ESC or CSI",
  );

  // --json: one object per line, nothing else; text a terminal would obey stays escaped in JSON.
  const json = await cli(["logs", "inspected", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const jsonLines = json.stdout.trimEnd().split("\n");
  assert.equal(jsonLines.length, 1);
  const exported = JSON.parse(jsonLines[0]!);
  assert.equal(exported.path, "/\u001b[2Jwiped");
  assert.deepEqual(exported.requestHeaders[1], ["Cookie", null]);
  assert.ok(!json.stdout.includes("\u001b"), "ESC only as JSON's escape");
  const failedJson = await cli(["logs", "myapp", "--json", "--status", "5xx"]);
  assert.deepEqual(
    failedJson.stdout
      .trimEnd()
      .split("\n")
      .map((line) => {
        const { method, path, status, answeredByRelay } = JSON.parse(line);
        return { method, path, status, answeredByRelay };
      }),
    [{ method: "POST", path: "/second", status: 502, answeredByRelay: "local_unreachable" }],
  );
  assert.equal(
    (await cli(["logs", "myapp", "--json", "--ip", "198.51.100.1"])).stdout,
    "",
    "no rows, no text",
  );

  // --body finds requests by their kept bodies; --bodies prints them, decompressed, control
  // characters replaced, binary described.
  await database.db.requestLog.createMany({
    data: [
      {
        ...row,
        name: "hooks",
        method: "POST",
        path: "/webhook",
        status: 200,
        bytesIn: 31n,
        bytesOut: BigInt(gzipSync("thanks\n\u007f[31m").length),
        responseHeaders: captureHeaders(["Content-Encoding", "gzip"]),
        requestBody: new Uint8Array(Buffer.from('{"event":"paid","order":"A-42"}')),
        responseBody: new Uint8Array(gzipSync("thanks\n\u007f[31m")),
      },
      {
        ...row,
        name: "hooks",
        method: "POST",
        path: "/upload",
        status: 200,
        bytesIn: 4n,
        requestBody: new Uint8Array([0, 0xff, 1, 2]),
        responseBody: new Uint8Array(0),
      },
      { ...row, name: "hooks", method: "GET", path: "/plain", status: 200 },
    ],
  });
  const paid = await cli(["logs", "hooks", "--body", 'ORDER":"a-42', "--bodies"]);
  assert.equal(paid.code, 0, paid.stderr);
  assert.deepEqual(paid.stdout.trimEnd().split("\n").slice(1), [
    paid.stdout.trimEnd().split("\n")[1],
    '    > {"event":"paid","order":"A-42"}',
    "    < thanks",
    "    < ?[31m",
  ]);
  assert.match(paid.stdout.split("\n")[1] ?? "", /POST\s+\/webhook\s+200/);
  const all = await cli(["logs", "Hooks", "--bodies"]);
  assert.match(all.stdout, /POST\s+\/upload\s+200.*\n {4}> \(binary, 4 B\)\n.*GET\s+\/plain/);
  assert.match(
    (await cli(["logs", "hooks", "--body", "nowhere"])).stdout,
    /No requests to hooks match these filters/,
  );
  // --json --bodies: each object carries its bodies as sent, text as text, other bytes as base64.
  const withBodies = await cli(["logs", "hooks", "--json", "--bodies"]);
  assert.equal(withBodies.code, 0, withBodies.stderr);
  const objects = withBodies.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const byPath = new Map(objects.map((o) => [o.path, o]));
  assert.deepEqual(byPath.get("/webhook")?.requestBody, {
    encoding: "utf8",
    data: '{"event":"paid","order":"A-42"}',
  });
  assert.deepEqual(byPath.get("/webhook")?.responseBody, {
    encoding: "base64",
    data: gzipSync("thanks\n\u007f[31m").toString("base64"),
  });
  assert.deepEqual(byPath.get("/upload")?.requestBody, { encoding: "base64", data: "AP8BAg==" });
  assert.deepEqual(byPath.get("/upload")?.responseBody, { encoding: "utf8", data: "" });
  assert.equal(byPath.get("/plain")?.requestBody, null);
  assert.equal(byPath.get("/plain")?.responseBody, null);
  // A WebSocket's kept frames print as its messages, one a line: the visitor's (masked), the app's.
  const masked = (text: string) => Buffer.from([0x81, 0x80 | text.length, 0, 0, 0, 0, ...Buffer.from(text)]); // a zero mask
  const closeFrame = Buffer.from([0x88, 0x05, 0x03, 0xe8, ...Buffer.from("bye")]);
  await database.db.requestLog.create({
    data: {
      ...row,
      name: "hooks",
      method: "GET",
      path: "/live",
      status: 101,
      upgrade: true,
      bytesIn: 20n,
      bytesOut: 20n,
      requestHeaders: captureHeaders(["Upgrade", "websocket"]),
      requestBody: new Uint8Array(masked("hello\u001b[2J")),
      responseBody: new Uint8Array(Buffer.concat([Buffer.from([0x82, 0x02, 0xca, 0xfe]), closeFrame])),
    },
  });
  const live = await cli(["logs", "hooks", "--path", "/live", "--bodies"]);
  assert.deepEqual(live.stdout.trimEnd().split("\n").slice(2), [
    "    > text: hello?[2J",
    "    < binary: (2 B) cafe",
    "    < close 1000: bye",
  ]);
  // Dated by the relay: both sides in the order they were sent, with their times.
  const question = masked("ping?");
  await database.db.requestLog.create({
    data: {
      ...row,
      name: "hooks",
      method: "GET",
      path: "/timed",
      status: 101,
      upgrade: true,
      requestHeaders: captureHeaders(["Upgrade", "websocket"]),
      requestBody: new Uint8Array(Buffer.concat([question, masked("thanks")])),
      responseBody: new Uint8Array(Buffer.from([0x81, 0x05, ...Buffer.from("pong!")])),
      frameTimes: JSON.stringify({ visitor: [0, 0.2, question.length, 1520.4], app: [0, 3.1] }),
    },
  });
  const timed = await cli(["logs", "hooks", "--path", "/timed", "--bodies"]);
  assert.deepEqual(timed.stdout.trimEnd().split("\n").slice(2), [
    "    > +0.000s text: ping?",
    "    < +0.003s text: pong!",
    "    > +1.520s text: thanks",
  ]);
  const timedJson = JSON.parse(
    (await cli(["logs", "hooks", "--path", "/timed", "--json", "--bodies"])).stdout,
  );
  assert.deepEqual(timedJson.frameTimes, { visitor: [0, 0.2, question.length, 1520.4], app: [0, 3.1] });

  const child = spawn(process.execPath, cliArgs(["logs", "myapp", "--follow"]), {
    env: testEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await waitFor(() => out.includes("/second"));
  // As the relay's log writer does: the row, then its announcement. --follow prints it at once,
  // not at its 30 s safety poll.
  await database.db.requestLog.create({ data: { ...row, method: "DELETE", path: "/third", status: 204 } });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["myapp"]);
  await waitFor(() => out.includes("/third"), 10_000);
  // A WebSocket is printed when it opens, and again once the relay has written its end.
  const owner = await database.db.user.create({
    data: { email: "follow-open@example.com", passwordHash: "x" },
  });
  const session = await database.db.tunnelSession.create({
    data: { name: "myapp", userId: owner.id, clientIp: "203.0.113.9" },
  });
  const socket = await database.db.requestLog.create({
    data: {
      ...row,
      method: "GET",
      path: "/socket",
      status: 101,
      upgrade: true,
      open: true,
      streamKey: "k1",
      sessionId: session.id,
    },
  });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["myapp"]);
  await waitFor(() => out.includes("/socket"), 10_000);
  assert.match(out, /GET \(ws\)\s+\/socket\s+101\s+open\s+-\s+203\.0\.113\.9/);
  await database.db.requestLog.update({
    where: { id: socket.id },
    data: { open: false, streamKey: null, durationMs: 65_000, bytesOut: 4096n },
  });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["myapp"]);
  await waitFor(() => out.match(/\/socket/g)?.length === 2, 10_000);
  assert.match(out, /GET \(ws\)\s+\/socket\s+101\s+65\.0 s\s+4\.1 kB/);
  child.kill("SIGINT");
  assert.equal(await exited, 0);
  assert.match(out, /DELETE\s+\/third\s+204/);
});

test("logs --follow into a reader that stops (| head -3) ends quietly at the next request", async () => {
  const row = { name: "piped", method: "GET", status: 200, durationMs: 1, clientIp: "203.0.113.9" };
  await database.db.requestLog.create({ data: { ...row, path: "/before" } });
  const child = spawn(process.execPath, cliArgs(["logs", "piped", "--follow"]), {
    env: testEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await waitFor(() => out.includes("/before"));
  // head has its lines and exits: the pipe's reading end is gone.
  child.stdout.destroy();
  await database.db.requestLog.create({ data: { ...row, path: "/after" } });
  await database.db.$executeRawUnsafe(ANNOUNCE_SQL, ["piped"]);
  const code = await Promise.race([
    exited,
    new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 15_000)),
  ]);
  if (code === "still running") child.kill("SIGKILL");
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "", "no EPIPE stack trace");
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("logs --bodies shows a form upload's parts: fields with their values, files by name, type and size", async () => {
  const form = new FormData();
  form.append("title", "Holiday photos");
  form.append("photo", new File([new Uint8Array(2000)], "beach.png", { type: "image/png" }));
  const request = new Request("http://app.test/upload", { method: "POST", body: form });
  const body = Buffer.from(await request.arrayBuffer());
  await database.db.requestLog.create({
    data: {
      name: "forms",
      method: "POST",
      path: "/upload",
      status: 200,
      durationMs: 3,
      clientIp: "203.0.113.9",
      bytesIn: BigInt(body.length),
      requestHeaders: captureHeaders(["Content-Type", request.headers.get("content-type")!]),
      requestBody: new Uint8Array(body),
    },
  });
  const shown = await cli(["logs", "forms", "--bodies"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(shown.stdout.trimEnd().split("\n").slice(2), [
    "    > title: Holiday photos",
    "    > photo: beach.png (image/png, 2.0 kB)",
  ]);
});

test("logs --delete empties a name's kept bodies or deletes its log, only with --yes", async () => {
  const kept = { requestBody: new Uint8Array(Buffer.from("card=4111")), responseBody: new Uint8Array(0) };
  const base = { name: "purged", method: "POST", status: 200, durationMs: 3, clientIp: "203.0.113.9" };
  await database.db.requestLog.createMany({
    data: [
      { ...base, path: "/pay", ...kept },
      { ...base, path: "/pay/again", ...kept },
      { ...base, path: "/plain" },
      { ...base, name: "other-log", path: "/pay", ...kept },
    ],
  });
  const countKept = (name: string) =>
    database.db.requestLog.count({ where: { name, requestBody: { not: null } } });
  const dry = await cli(["logs", "purged", "--delete", "bodies"]);
  assert.equal(dry.code, 1);
  assert.match(
    dry.stderr,
    /this empties the bodies of 2 requests with kept bodies of purged\. Run again with --yes/,
  );
  assert.equal(await countKept("purged"), 2, "nothing changed without --yes");
  const done = await cli(["logs", "Purged", "--delete", "bodies", "--yes"]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /Deleted the kept bodies of 2 requests of purged \(the requests stay\)/);
  assert.equal(await countKept("purged"), 0);
  assert.equal(await database.db.requestLog.count({ where: { name: "purged" } }), 3);
  assert.equal(await countKept("other-log"), 1, "another name's bodies stay");
  assert.match(
    (await cli(["logs", "purged", "--delete", "bodies", "--yes"])).stdout,
    /No request to purged has a kept body/,
  );
  const all = await cli(["logs", "purged", "--delete", "all", "--yes"]);
  assert.match(all.stdout, /Deleted 3 requests of purged/);
  assert.equal(await database.db.requestLog.count({ where: { name: "purged" } }), 0);
  assert.equal(await database.db.requestLog.count({ where: { name: "other-log" } }), 1);
  for (const [args, pattern] of [
    [["logs", "purged", "--delete", "some"], /--delete takes bodies or all/],
    [["logs", "purged", "--delete", "all", "--follow", "--json"], /drop --follow, --json/],
    [["logs", "purged", "--yes"], /--yes goes with --delete/],
  ] as const) {
    const refused = await cli([...args]);
    assert.ok(refused.code !== 0, args.join(" "));
    assertOneLineError(refused, pattern);
  }
  // A mistyped name is not "nothing to delete, done" (exit 0): a script would take it for done.
  for (const args of [
    ["logs", "other-lg", "--delete", "all", "--yes"],
    ["logs", "other-lg", "--delete", "bodies"],
  ]) {
    const typo = await cli(args);
    assert.equal(typo.code, 1, args.join(" "));
    assertOneLineError(typo, /^burrow logs: No name called other-lg \(name list shows the names\)$/);
  }
  assert.equal(await countKept("other-log"), 1);
});

test("logs --delete all --yes and name release --yes wait for a big log's deletion, saying how far it is on stderr", async () => {
  const { db } = database;
  const owner = await db.user.findFirstOrThrow({ where: { email: "ann@example.com" } });
  await db.reservation.create({ data: { name: "huge-log", userId: owner.id } });
  for (const name of ["huge-log", "huge-release"]) {
    if (name === "huge-release") await db.reservation.create({ data: { name, userId: owner.id } });
    await db.$executeRaw`
      INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip)
      SELECT ${name}, 'GET', '/r/' || g, 200, 1, '203.0.113.9' FROM generate_series(1, 30000) AS g`;
  }
  // A row of each log held (a busy database): the deletion stops there, after two batches, until
  // the command has had time to say how far it is.
  const heldUp = async (name: string, command: () => Promise<CliResult>) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("BEGIN");
    await client.query(
      `SELECT id FROM request_logs
       WHERE id = (SELECT id FROM request_logs WHERE name = $1 ORDER BY id OFFSET 12000 LIMIT 1) FOR UPDATE`,
      [name],
    );
    const running = command();
    for (
      let i = 0;
      i < 300 && (await db.logDeletion.findUnique({ where: { name } }))?.deleted !== 10_000;
      i++
    ) {
      await sleep(100);
    }
    await sleep(2_500);
    await client.query("ROLLBACK");
    await client.end();
    return running;
  };
  const dry = await cli(["logs", "huge-log", "--delete", "all"]);
  assert.match(dry.stderr, /this deletes 30000 requests of huge-log\. Run again with --yes/);
  const deleted = await heldUp("huge-log", () => cli(["logs", "huge-log", "--delete", "all", "--yes"]));
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stderr, /^burrow logs: deleting the log of huge-log: 10,000 of 30,000 requests…$/m);
  assert.match(deleted.stdout, /^Deleted 30000 requests of huge-log$/m);
  assert.equal(await db.requestLog.count({ where: { name: "huge-log" } }), 0);

  const released = await heldUp("huge-release", () => cli(["name", "release", "huge-release", "--yes"]));
  assert.equal(released.code, 0, released.stderr);
  assert.match(
    released.stderr,
    /^burrow name release: deleting the log of huge-release: 10,000 of 30,000 requests…$/m,
  );
  assert.match(released.stdout, /^Released huge-release$/m);
  assert.equal(await db.requestLog.count({ where: { name: "huge-release" } }), 0);
});

test("logs on a database Burrow has not set up yet answers like any command, not with a stack trace", async () => {
  const fresh = await createTestDatabase("cli-fresh", undefined, { migrate: false });
  try {
    const result = await cli(["logs", "someapp"], { DATABASE_URL: fresh.url });
    assertOneLineError(result, /^burrow logs: No name called someapp \(name list shows the names\)$/);
  } finally {
    await fresh.drop();
  }
});

test("a database that cannot be used is named in one line, with PostgreSQL's reason", async () => {
  const url = new URL(database.url);
  const elsewhere = (change: (u: URL) => void) => {
    const copy = new URL(url);
    change(copy);
    return copy.toString();
  };
  const unreachable = elsewhere((u) => {
    u.port = "1";
  });
  assertOneLineError(
    await cli(["user", "list"], { DATABASE_URL: unreachable }),
    /^burrow user list: Cannot reach the database at postgres(ql)?:\/\/[^ ]*127\.0\.0\.1:1\/[^ ]*: is PostgreSQL running\?$/,
  );
  const unknownRole = elsewhere((u) => {
    u.username = "no_such_burrow_role";
    u.password = "not-the-password";
  });
  // A server that trusts local connections names the role; one that asks for a password (the
  // embedded server) does not say whether the role exists.
  const refusedLogin =
    /refused us: (role "no_such_burrow_role" does not exist|password authentication failed for user "no_such_burrow_role")$/;
  assertOneLineError(
    await cli(["user", "list"], { DATABASE_URL: unknownRole }),
    new RegExp(`^burrow user list: The database at .*${refusedLogin.source}`),
  );
  assertOneLineError(await cli(["migrate"], { DATABASE_URL: unknownRole }), refusedLogin);
  const unknownDatabase = elsewhere((u) => {
    u.pathname = "/no_such_burrow_database";
  });
  assertOneLineError(
    await cli(["user", "list"], { DATABASE_URL: unknownDatabase }),
    /refused us: database "no_such_burrow_database" does not exist$/,
  );
});
