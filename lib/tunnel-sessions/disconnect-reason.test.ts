import assert from "node:assert/strict";
import { test } from "node:test";
import { disconnectReasonSchema } from "./disconnect-reason.ts";

const schema = disconnectReasonSchema("The reason");
const refusal = (input: string) => {
  const result = schema.safeParse(input);
  return result.success ? null : result.error.issues[0]?.message;
};

test("a reason is one line of plain ASCII, trimmed, at most 200 characters, named as its caller says", () => {
  assert.equal(schema.parse("  abuse report  "), "abuse report");
  assert.equal(schema.parse("x".repeat(200)), "x".repeat(200));
  assert.equal(refusal("x".repeat(201)), "The reason takes one line of text, at most 200 characters");
  assert.equal(refusal("two\nlines"), "The reason takes one line of text, at most 200 characters");
  assert.equal(refusal("tab\there"), "The reason takes one line of text, at most 200 characters");
  assert.equal(refusal("café"), "The reason must be plain ASCII: ssh clients show other characters as ?");
  assert.match(
    disconnectReasonSchema("--reason").safeParse("café").error?.issues[0]?.message ?? "",
    /^--reason must be plain ASCII/,
  );
});
