import assert from "node:assert/strict";
import { test } from "node:test";
import { captureHeaders, LOG_HEADER_VALUE_MAX, parseStoredHeaders } from "./headers.ts";
import { editedHeaderBytes, editedReplaySchema, headerLines } from "./replay-edit.ts";
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
  assert.match(problems({ ...form, headers: "Host: h\nX-A: b\u007f" }).headers ?? "", /Line 2: X-A holds/);
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

/** Bytes as Node hands them on and the log stores them: one Latin-1 character a byte. */
const latin1 = (bytes: Buffer) => bytes.toString("latin1");
const utf8 = (text: string) => latin1(Buffer.from(text, "utf8"));

test("the form shows header values as text; sent, they are what it shows, in UTF-8, or as logged", () => {
  const logged = parseStoredHeaders(
    captureHeaders([
      "Host",
      "hook.example.com",
      "X-Name",
      utf8("café"),
      // An old client's Latin-1 "café": no text typed gives its one byte back.
      "X-Old",
      latin1(Buffer.from([0x63, 0x61, 0x66, 0xe9])),
      "Content-Disposition",
      utf8('attachment; filename="résumé.pdf"'),
    ]),
  );
  const raw = logged!.flatMap(([name, value]) => [name, value ?? ""]);
  const text = headerLines(raw);
  assert.equal(
    text,
    'Host: hook.example.com\nX-Name: café\nX-Old: caf\\xE9\nContent-Disposition: attachment; filename="résumé.pdf"',
  );
  // Sent as shown: every byte as the visitor sent it, the one that is not UTF-8 too.
  const typed = (headers: string) => editedReplaySchema.parse({ ...form, headers }).headers;
  assert.deepEqual(editedHeaderBytes(typed(text), logged), { headers: raw, problem: null });
  // Edited: what is typed goes in UTF-8 (an emoji too), the lines left alone as they were; a name
  // typed in another case keeps its value's bytes.
  const edited = text
    .replace("café", "crème 🙂")
    .replace("X-Old: caf\\xE9", "x-old: caf\\xE9")
    .replace("résumé", "résumé-2");
  assert.deepEqual(editedHeaderBytes(typed(edited), logged).headers, [
    "Host",
    "hook.example.com",
    "X-Name",
    utf8("crème 🙂"),
    "x-old",
    latin1(Buffer.from([0x63, 0x61, 0x66, 0xe9])),
    "Content-Disposition",
    utf8('attachment; filename="résumé-2.pdf"'),
  ]);
  // The byte's escape typed anew is text like any other: UTF-8, as shown.
  assert.deepEqual(editedHeaderBytes(typed("Host: h\nX-New: caf\\xE9"), logged).headers, [
    "Host",
    "h",
    "X-New",
    "caf\\xE9",
  ]);
  // Without the logged row's headers (none recorded), all is as typed.
  assert.deepEqual(editedHeaderBytes(typed("Host: h\nX-Name: café"), null).headers, [
    "Host",
    "h",
    "X-Name",
    utf8("café"),
  ]);
});

test("a header value the log cut is refused if sent as shown, taken once completed", () => {
  const long = `${"v".repeat(LOG_HEADER_VALUE_MAX)}-end`;
  const logged = parseStoredHeaders(captureHeaders(["Host", "h", "X-Long", long]));
  const cut = logged![1]![1]!;
  assert.ok(cut.endsWith("…"));
  const typed = (headers: string) => editedReplaySchema.parse({ ...form, headers }).headers;
  const asShown = editedHeaderBytes(typed(`Host: h\nX-Long: ${cut}`), logged);
  assert.equal(asShown.headers, null);
  assert.match(asShown.problem ?? "", /^X-Long: the log cut this value at 2048 characters; … marks where/);
  assert.deepEqual(editedHeaderBytes(typed(`Host: h\nX-Long: ${long}`), logged).headers, [
    "Host",
    "h",
    "X-Long",
    long,
  ]);
});
