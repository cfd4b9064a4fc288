import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createDb } from "../../lib/db.ts";
import { loadEnv } from "../../lib/env.ts";
import type { LogFields, Logger } from "../../lib/logger.ts";
import { projectRoot } from "../../lib/project-root.ts";
import { createTestDatabase } from "../../lib/testing/db.ts";
import { commandTypedInConsole, runCommand } from "./commands.ts";
import { messages } from "./messages.ts";

/** Keeps what the command logged, to check it says what failed. */
function recordingLogger(lines: { message: string; fields?: LogFields }[]): Logger {
  const record = (message: string, fields?: LogFields) => lines.push({ message, fields });
  const logger: Logger = { info: record, warn: record, error: record, child: () => logger };
  return logger;
}

test("with the database out of reach a command says try again (exit 1), and the log says why", async () => {
  // A real client for a port nothing listens on: every query fails as in an outage.
  const db = createDb("postgres://postgres@127.0.0.1:1/burrow_gone");
  const logged: { message: string; fields?: LogFields }[] = [];
  const context = {
    db,
    config: loadEnv({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/burrow_gone" }),
    userId: "nobody",
    appPort: 3000,
    timeoutMs: 5_000,
    logger: recordingLogger(logged),
    // Nothing here goes on printing: every command ends with its text.
    output: { print: () => {}, note: () => {}, closed: new Promise<void>(() => {}), isClosed: false },
  };
  try {
    for (const command of ["names", "reserve myapp", "logs myapp"]) {
      const result = await runCommand(command, context);
      assert.deepEqual(result, { text: messages.databaseDown, code: 1 }, command);
    }
    assert.equal(logged.length, 3);
    assert.equal(logged[0]?.message, "ssh command failed");
    assert.equal(logged[0]?.fields?.command, "names");
    assert.match(String(logged[0]?.fields?.error), /reach database server|ECONNREFUSED|connect/i);
    // Refused before the database is asked: nothing logged, the help, exit 2.
    const unknown = await runCommand("frobnicate", context);
    assert.equal(unknown.code, 2);
    assert.match(unknown.text, /^Unknown command "frobnicate"\.\nBurrow serves HTTP tunnels:/);
    assert.equal(logged.length, 3);
  } finally {
    await db.$disconnect();
  }
});

test("version prints the relay's Burrow version as burrow --version does, with the database away", async () => {
  const { version } = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as {
    version: string;
  };
  // The database is out of reach: what the relay runs is answered from the relay alone.
  const url = "postgres://postgres@127.0.0.1:1/burrow_gone";
  const db = createDb(url);
  const context = {
    db,
    config: loadEnv({ DATABASE_URL: url }),
    userId: "nobody",
    appPort: 3000,
    timeoutMs: 5_000,
    logger: recordingLogger([]),
    output: { print: () => {}, note: () => {}, closed: new Promise<void>(() => {}), isClosed: false },
  };
  try {
    for (const line of ["version", "VERSION", "--version"]) {
      assert.deepEqual(await runCommand(line, context), { text: `burrow ${version}`, code: 0 }, line);
    }
    const extra = await runCommand("version 2", context);
    assert.equal(extra.code, 2);
    assert.match(extra.text, /^"version" takes no arguments\nBurrow serves HTTP tunnels:/);
    // The help lists it, and typed in the console it is pointed to another terminal like the rest.
    assert.match(
      (await runCommand("help", context)).text,
      /localhost version +the Burrow version this relay runs$/m,
    );
    assert.match(commandTypedInConsole(context.config, "version") ?? "", /another terminal: ssh .* version$/);
  } finally {
    await db.$disconnect();
  }
});

test("the commands' answers: names with kept random names, reserve and release errors, logs option errors, shell lines", async (t) => {
  const database = await createTestDatabase("sshcmd");
  t.after(() => database.drop());
  const { db } = database;
  const user = await db.user.create({ data: { email: "cmd@burrow.test", passwordHash: "x" } });
  const context = {
    db,
    config: loadEnv({
      DATABASE_URL: database.url,
      BURROW_DASHBOARD_URL: "https://burrow.example.com",
      BURROW_MAX_NAMES: "1",
      BURROW_RANDOM_NAME_HOURS: "24",
    }),
    userId: user.id,
    appPort: 3000,
    timeoutMs: 5_000,
    logger: recordingLogger([]),
    output: { print: () => {}, note: () => {}, closed: new Promise<void>(() => {}), isClosed: false },
  };
  const run = (line: string) => runCommand(line, context);

  // The name as typed is in the message, in the words the ssh refusal uses; a mistake in the call
  // (exit 2), as the CLI says it.
  assert.deepEqual(await run("reserve a"), {
    text: '"a" is not a valid name: use at least 3 characters',
    code: 2,
  });
  assert.equal((await run("reserve myapp")).code, 0);
  const over = await run("reserve second");
  assert.equal(over.code, 1);
  assert.match(
    over.text,
    /limit of 1 names\. .*Names are released on the dashboard: https:\/\/burrow\.example\.com\/names$/,
  );
  assert.deepEqual(await run("release myapp"), {
    text: "Names are released on the dashboard: https://burrow.example.com/names (it asks before deleting the name's request log).",
    code: 1,
  });

  // Random names the relay still keeps for the user are theirs too (the dashboard lists them).
  // An hour ago (a fixed date stops being kept once its 24 h are over), on a whole minute.
  const endedAt = new Date(Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000);
  const keptUntil = new Date(endedAt.getTime() + 24 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");
  await db.tunnelSession.create({
    data: { name: "k3j5h2g7f8d9s1", userId: user.id, clientIp: "127.0.0.1", randomName: true, endedAt },
  });
  await db.tunnelSession.create({
    data: { name: "q8w7e6r5t4y3u2", userId: user.id, clientIp: "127.0.0.1", randomName: true },
  });
  const listed = await run("names");
  assert.equal(listed.code, 0);
  const lines = listed.text.split("\n");
  assert.match(lines[0]!, /^myapp +\S+ +http:\/\/myapp\.\S+$/);
  assert.ok(
    lines.some((l) =>
      new RegExp(`^k3j5h2g7f8d9s1 +offline +http:\\S+ +random, kept until ${keptUntil} UTC$`).test(l),
    ),
    listed.text,
  );
  assert.ok(
    lines.some((l) => /^q8w7e6r5t4y3u2 +\S+ +http:\S+ +random, kept 24 h after it goes offline$/.test(l)),
    listed.text,
  );

  // A mistake in the log's options: that mistake and where its options are, not the general help.
  for (const [line, problem] of [
    ["logs myapp -n abc", "logs: -n must be a whole number from 1 to 200"],
    // Number() took these for counts: only digits are.
    ["logs myapp -n 1e1", "logs: -n must be a whole number from 1 to 200"],
    ["logs myapp -n 0x10", "logs: -n must be a whole number from 1 to 200"],
    ["logs myapp --status 7xx", "logs: --status: "],
  ] as const) {
    const result = await run(line);
    assert.equal(result.code, 2, line);
    assert.ok(result.text.startsWith(problem), result.text);
    assert.match(result.text, /\nRun: ssh -p 2222 localhost help logs/);
    assert.doesNotMatch(result.text, /Burrow serves HTTP tunnels/, line);
  }

  // Commands in any case (caps lock, a phone's keyboard): HELP is help, not "Unknown command".
  assert.deepEqual(await run("HELP"), await run("help"));
  const shouted = await run("Names");
  assert.equal(shouted.code, 0, shouted.text);
  assert.match(shouted.text, /^myapp /);
  assert.match((await run("LOGS myapp -n 1e1")).text, /^logs: -n must be a whole number/);

  // A shell line is not one of the relay's commands with a misplaced "|".
  const shell = await run("ls | grep x");
  assert.equal(shell.code, 2);
  assert.match(
    shell.text,
    /^The relay runs no shell, so that line cannot run here\. Its commands:\nBurrow serves/,
  );
  assert.doesNotMatch(shell.text, /^ls:/);
});

test("a relay command typed in the tunnels' console is answered with the ssh command that runs it", () => {
  const config = loadEnv({
    DATABASE_URL: "postgres://postgres@127.0.0.1:1/unused",
    BURROW_SSH_HOST: "relay.example.com",
    BURROW_SSH_PORT: "2200",
  });
  assert.equal(
    commandTypedInConsole(config, "logs myapp -n 5"),
    "This console only shows your tunnels. Run that from another terminal: ssh -p 2200 relay.example.com logs myapp -n 5",
  );
  for (const line of ["names", "Names", "reserve myapp", "release myapp", "help logs"]) {
    assert.match(
      commandTypedInConsole(config, line) ?? "",
      /Run that from another terminal: ssh -p 2200 /,
      line,
    );
  }
  for (const line of ["ls", "whoami", "namesx", ""])
    assert.equal(commandTypedInConsole(config, line), undefined);
  // Port 22 is left out, as in every ssh command the relay prints.
  const standard = loadEnv({ DATABASE_URL: "postgres://x@127.0.0.1:1/x", BURROW_SSH_PORT: "22" });
  assert.match(commandTypedInConsole(standard, "names") ?? "", /terminal: ssh localhost names$/);
});
