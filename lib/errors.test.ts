import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError, isAppError } from "./errors.ts";

test("an AppError from another copy of the module (another Next bundle) is still an AppError, with its code", async () => {
  // A second evaluation of the module, as each Next route bundle has its own.
  const copy = (await import(`./errors.ts?copy=${Date.now()}`)) as typeof import("./errors.ts");
  assert.notEqual(copy.AppError, AppError, "a separate copy of the class");
  const error = new copy.AppError("rate_limited", "wait for some to finish");
  assert.ok(isAppError(error));
  assert.ok(error instanceof AppError);
  assert.equal(error.code, "rate_limited");
  // Anything else is not, whatever it is called.
  const lookalike = Object.assign(new Error("x"), { name: "AppError", code: "rate_limited" });
  assert.equal(isAppError(lookalike), false);
  assert.equal(isAppError(null), false);
  assert.equal(isAppError("AppError"), false);
});
