import assert from "node:assert/strict";
import { test } from "node:test";
import { editedReplaySchema, headerLines } from "./replay-edit.ts";
import { capLogPath } from "./row.ts";

const form = {
  id: "12",
  method: " post ",
  path: "/hooks/stripe?retry=1",
  headers: "Host: hook.example.com\r\nContent-Type: application/json\n\nContent-Length: 999\nX-Empty:\n",
  body: '{"id":"evt_1"}',
};

/** The first message for each field of a refused form. */
function problems(input: Record<string, string>): Record<string, string> {
  const parsed = editedReplaySchema.safeParse(input);
  assert.equal(parsed.success, false, "the form was accepted");
  return Object.fromEntries(parsed.error!.issues.map((issue) => [String(issue.path[0]), issue.message]));
}

test("an edited request is read as typed: method upper-cased, headers in order without framing ones", () => {
  const edit = editedReplaySchema.parse(form);
  assert.equal(edit.method, "POST");
  assert.equal(edit.path, "/hooks/stripe?retry=1");
  assert.deepEqual(edit.headers, [
    "Host",
    "hook.example.com",
    "Content-Type",
    "application/json",
    "X-Empty",
    "",
  ]);
  assert.equal(edit.body, '{"id":"evt_1"}');
  // And what the form starts from reads back the same.
  assert.deepEqual(
    editedReplaySchema.parse({ ...form, headers: headerLines(edit.headers) }).headers,
    edit.headers,
  );
});

test("each field says what is wrong with it", () => {
  assert.match(problems({ ...form, method: "GE T" }).method ?? "", /one word/);
  assert.match(problems({ ...form, method: "CONNECT" }).method ?? "", /CONNECT cannot/);
  assert.match(problems({ ...form, path: "hooks" }).path ?? "", /Start with \//);
  assert.match(problems({ ...form, path: "/a b" }).path ?? "", /no spaces/);
  assert.match(
    problems({ ...form, headers: "Host: h\nno colon here" }).headers ?? "",
    /Line 2: write it as Name: value/,
  );
  assert.match(
    problems({ ...form, headers: "Host: h\nX-A: b\u0001" }).headers ?? "",
    /Line 2: X-A holds a character a header cannot carry/,
  );
  assert.match(problems({ ...form, headers: "Host: h\nX-Mood: 🙂" }).headers ?? "", /Line 2: X-Mood holds/);
  assert.match(problems({ ...form, path: "/caf\u0101" }).path ?? "", /Start with \//);
  assert.equal(editedReplaySchema.parse({ ...form, path: "/café?q=%20" }).path, "/café?q=%20");
  assert.match(problems({ ...form, headers: "Accept: */*" }).headers ?? "", /Keep a Host line/);
  const many = Array.from({ length: 101 }, (_, i) => `X-${i}: v`).join("\n");
  assert.match(problems({ ...form, headers: `Host: h\n${many}` }).headers ?? "", /At most 100 headers/);
  assert.match(problems({ ...form, body: "é".repeat(33 * 1024) }).body ?? "", /At most 64 KiB/);
  assert.match(problems({ ...form, id: "1 OR 1=1" }).id ?? "", /No such request/);
});

test("a path the log cut is refused for what it is, not for its … character", () => {
  const cut = capLogPath(`/search?q=a&x=${"x".repeat(3000)}`);
  const message = problems({ ...form, path: cut }).path ?? "";
  assert.match(message, /^The log cut this path at 2048 characters: … marks where the rest was/);
  assert.doesNotMatch(message, /Start with \//);
  // Completed (the … replaced), it is a path again.
  assert.equal(editedReplaySchema.parse({ ...form, path: cut.slice(0, -1) }).path, cut.slice(0, -1));
});
