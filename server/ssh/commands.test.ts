import assert from "node:assert/strict";
import { test } from "node:test";
import { createDb } from "../../lib/db.ts";
import { loadEnv } from "../../lib/env.ts";
import type { LogFields, Logger } from "../../lib/logger.ts";
import { runCommand } from "./commands.ts";
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
