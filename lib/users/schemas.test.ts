import assert from "node:assert/strict";
import { test } from "node:test";
import { changePasswordSchema, passwordSchema, signUpSchema } from "./schemas.ts";

/** The messages a refused value gets, as the forms and the CLI show them. */
function messages(result: { success: boolean; error?: { issues: { message: string }[] } }): string[] {
  return result.error?.issues.map((issue) => issue.message) ?? [];
}

test("a password of spaces alone is refused wherever an account password is set", () => {
  const spaces = " ".repeat(10);
  assert.deepEqual(messages(passwordSchema.safeParse(spaces)), ["A password cannot be only spaces"]);
  // Other blanks a keyboard or a paste gives are no better.
  assert.deepEqual(messages(passwordSchema.safeParse("\t \u00a0".repeat(4))), [
    "A password cannot be only spaces",
  ]);
  // Sign-up and `burrow user add`, and a change of password (the admin's and the CLI's use passwordSchema).
  assert.deepEqual(messages(signUpSchema.safeParse({ email: "ann@example.com", password: spaces })), [
    "A password cannot be only spaces",
  ]);
  const changed = changePasswordSchema.safeParse({ currentPassword: "old password 1", newPassword: spaces });
  assert.deepEqual(messages(changed), ["A password cannot be only spaces"]);
  assert.deepEqual(changed.error?.issues[0]?.path, ["newPassword"], "said under the new password's field");
});

test("spaces in or around a real password are part of it, kept as typed", () => {
  assert.equal(passwordSchema.parse("correct horse battery"), "correct horse battery");
  assert.equal(passwordSchema.parse("  padded pw  "), "  padded pw  ");
  assert.equal(passwordSchema.parse(`${" ".repeat(12)}x`), `${" ".repeat(12)}x`);
  // Too short is still said as too short, spaces or not.
  assert.deepEqual(messages(passwordSchema.safeParse("   x   ")), ["Use at least 10 characters"]);
});
