import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogFields, Logger } from "../logger.ts";
import { createAuthLogger } from "./auth-logger.ts";

/** Auth.js's errors as its logger gets them: a `type`, and for credentials a `code`. */
function authError(type: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error("Read more at https://errors.authjs.dev"), { type, ...extra });
}

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
    child: () => logger,
  };
  return { logger, lines };
}

test("a wrong password is one info line, without a stack", () => {
  const { logger, lines } = recordingLogger();
  createAuthLogger(logger).error(authError("CredentialsSignin", { code: "credentials" }));
  assert.deepEqual(lines, [
    { level: "info", message: "dashboard sign-in refused", fields: { reason: "credentials" } },
  ]);
});

test("a garbage session cookie is one info line", () => {
  const { logger, lines } = recordingLogger();
  createAuthLogger(logger).error(
    authError("JWTSessionError", { cause: { err: new Error("Invalid Compact JWE") } }),
  );
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.level, "info");
  assert.equal(lines[0]?.fields, undefined);
});

test("any other error is still logged as an error, with the stack of its cause", () => {
  const { logger, lines } = recordingLogger();
  const cause = new Error("database is down");
  createAuthLogger(logger).error(new Error("callback failed", { cause }));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.level, "error");
  assert.match(lines[0]?.message ?? "", /callback failed/);
  assert.match(String(lines[0]?.fields?.stack), /database is down/);
});
