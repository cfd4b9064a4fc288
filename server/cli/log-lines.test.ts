import assert from "node:assert/strict";
import { test } from "node:test";
import type { RequestBodies } from "../../lib/request-logs/query.ts";
import { bodyLines, formatLine, headerLines, LOG_HEADERS, type LogLineRow, toCells } from "./log-lines.ts";

const row: LogLineRow = {
  at: new Date("2026-12-05T14:00:00Z"),
  method: "GET",
  upgrade: false,
  path: "/",
  status: 200,
  openState: null,
  durationMs: 13,
  bytesIn: 0,
  bytesOut: 31,
  clientIp: "203.0.113.9",
  error: null,
  accessPage: null,
  admission: "PUBLIC",
  shareLinkLabel: null,
};
const utc = (at: Date) => at.toISOString().slice(0, 19).replace("T", " ");
const line = (changes: Partial<LogLineRow>) => formatLine(toCells({ ...row, ...changes }, utc));

test("log lines keep their columns under the headers: WebSocket rows and long paths included", () => {
  const header = formatLine(LOG_HEADERS);
  const lines = [
    line({}),
    line({ upgrade: true }),
    line({ path: `/${"very-long-segment/".repeat(5)}end` }),
    line({ method: "PROPFIND" }),
    line({ error: "local_headers_too_large" }),
    line({ accessPage: "password_wrong" }),
  ];
  const values: [string, string][] = [
    ["STATUS", "200 "],
    ["DURATION", "13 ms"],
    ["SIZE", "31 B out"],
    ["CLIENT IP", "203.0.113.9"],
  ];
  // The client's address is last: an IPv6 one (up to 39 characters) pushes nothing out of line.
  const v6 = line({ clientIp: "2001:db8:85a3:1234:5678:8a2e:370:7334", error: "client_aborted" });
  assert.ok(v6.endsWith("  2001:db8:85a3:1234:5678:8a2e:370:7334"), v6);
  assert.equal(v6.indexOf("client_aborted"), header.indexOf("NOTE"));
  for (const text of lines) {
    for (const [column, value] of values) {
      assert.equal(text.indexOf(value, 40), header.indexOf(column), `${column} in ${JSON.stringify(text)}`);
    }
  }
  assert.match(lines[1]!, /^\S+ \S+ {2}GET \(ws\) {2}\/ /);
  // A path cut to its column ends with an ellipsis.
  assert.match(lines[2]!, /\/very-long-segment\/very-long-segment\/ve… {2}200/);
});

test("SIZE shows the larger direction: an upload by what it sent in", () => {
  assert.match(line({}), / {2}31 B out {2}/);
  assert.match(line({ bytesIn: 200_000_000, bytesOut: 31 }), / {2}200 MB in {3}/);
  assert.equal(line({ openState: "open" }).includes("  -  "), true);
});

test("a request still waiting for the app reads as waiting, with how long so far; an open stream keeps its status", () => {
  const header = formatLine(LOG_HEADERS);
  const at = row.at.getTime();
  const cells = (changes: Partial<LogLineRow>, now = at + 12_400) =>
    toCells({ ...row, ...changes }, utc, now);
  // Written open while the app held it (status 0): no status yet, its time so far, the dashboard's words.
  const waiting = cells({ status: 0, openState: "open", durationMs: 0, bytesOut: 0 });
  assert.deepEqual(waiting.slice(3, 7), ["…", "12.4 s", "-", "waiting for your app"]);
  const line = formatLine(waiting);
  assert.doesNotMatch(line, / 0 {2}/, "no bare status 0");
  assert.equal(line.indexOf("waiting for your app"), header.indexOf("NOTE"));
  assert.equal(line.indexOf("203.0.113.9"), header.indexOf("CLIENT IP"), "the columns stay in line");
  // A clock a little behind the relay's never shows a negative wait.
  assert.equal(cells({ status: 0, openState: "open" }, at - 500)[4], "<1 ms");
  // Its relay stopped while it waited: no answer was ever recorded.
  assert.deepEqual(cells({ status: 0, openState: "unrecorded" }).slice(3, 7), [
    "-",
    "unknown",
    "31 B out",
    "no answer",
  ]);
  // A WebSocket or event stream still open has the app's status and is "open", as before.
  assert.deepEqual(cells({ status: 101, upgrade: true, openState: "open" }).slice(3, 7), [
    "101",
    "open",
    "-",
    "",
  ]);
  assert.deepEqual(cells({ status: 200, openState: "open" }).slice(3, 5), ["200", "open"]);
  // Completed in place, the same row reads as any answered request.
  assert.deepEqual(cells({ status: 201, durationMs: 45_200 }).slice(3, 5), ["201", "45.2 s"]);
  // Let in with a password or a share link: both, in the column (the label cut to it).
  const admitted: [Partial<LogLineRow>, string][] = [
    [{ admission: "PASSWORD" }, "waiting, password"],
    [{ admission: "SHARE_LINK", shareLinkLabel: "Client" }, "waiting, share link: C…"],
    [{ admission: "SHARE_LINK" }, "waiting, share link"],
    [{ admission: "REPLAY" }, "waiting, replay"],
    [{ admission: "PASSWORD", openState: "unrecorded" }, "no answer, password"],
  ];
  for (const [changes, note] of admitted) {
    const text = formatLine(cells({ status: 0, openState: "open", ...changes }));
    assert.equal(text.indexOf(note), header.indexOf("NOTE"), text);
    assert.equal(text.indexOf("203.0.113.9"), header.indexOf("CLIENT IP"), text);
  }
  // What the relay noted still comes first (the visitor left while it waited: 499 by then anyway).
  assert.equal(cells({ status: 0, openState: "open", error: "relay_shutdown" })[6], "relay_shutdown");
});

test("NOTE says how a request was let in: password, share link with its label, replay", () => {
  const header = formatLine(LOG_HEADERS);
  const notes: [Partial<LogLineRow>, string][] = [
    [{ admission: "PASSWORD" }, "password"],
    [{ admission: "SHARE_LINK", shareLinkLabel: "Client" }, "share link: Client"],
    [{ admission: "SHARE_LINK", shareLinkLabel: "for the whole design team" }, "share link: for the wh…"],
    [{ admission: "SHARE_LINK" }, "share link"],
    [{ admission: "REPLAY" }, "replay"],
    // The relay's own answer is said first, as before.
    [{ admission: "PASSWORD", accessPage: "signed_in" }, "signed_in"],
    [{ admission: "REPLAY", error: "local_unreachable" }, "local_unreachable"],
  ];
  for (const [changes, note] of notes) {
    const text = line(changes);
    assert.equal(text.indexOf(note), header.indexOf("NOTE"), text);
    assert.equal(text.indexOf("203.0.113.9"), header.indexOf("CLIENT IP"), text);
  }
  assert.equal(line({}).indexOf("203.0.113.9"), header.indexOf("CLIENT IP"));
});

test("SIZE is in the dashboard's units: 4,000 bytes are 4.0 kB there and here", () => {
  assert.match(line({ bytesOut: 4000 }), / {2}4\.0 kB out {2}/);
  assert.match(line({ bytesIn: 2048 }), / {2}2\.0 kB in {3}/);
  assert.match(line({ bytesOut: 99_940_000 }), / {2}99\.9 MB out {2}/);
});

/** A POST's kept request body as the log stores it, sent with `type`. */
function postedBody(body: string, type: string): RequestBodies {
  const bytes = Buffer.from(body);
  return {
    method: "POST",
    status: 200,
    upgrade: false,
    bytesIn: bytes.length,
    bytesOut: 0,
    requestHeaders: [["content-type", type]],
    responseHeaders: null,
    requestBody: bytes,
    responseBody: null,
    frameTimes: null,
  };
}

test("--bodies lists a form post's fields decoded, one a line, as a multipart form's parts", async () => {
  const form = "application/x-www-form-urlencoded";
  assert.deepEqual(await bodyLines(postedBody("a=1&b=two%20words", form)), [
    "    > a: 1",
    "    > b: two words",
  ]);
  // Decoded as the dashboard decodes them ("+" is a space); a repeated name, an empty value, a
  // line break or an escape sequence typed into a field stay on their line and harmless.
  assert.deepEqual(
    await bodyLines(
      postedBody("tag=a&tag=b+c&empty=&note=line%0Anext&x%1B=%1B%5B2J", `${form}; charset=UTF-8`),
    ),
    ["    > tag: a", "    > tag: b c", "    > empty: ", "    > note: line next", "    > x?: ?[2J"],
  );
  // Not a form: its text as sent.
  assert.deepEqual(await bodyLines(postedBody("a=1&b=two%20words", "text/plain")), [
    "    > a=1&b=two%20words",
  ]);
});

test("header lines show values as the dashboard does, with nothing a terminal would obey", () => {
  // As the log stores them (Node's reading): one Latin-1 character a byte.
  const bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");
  assert.deepEqual(
    headerLines({
      requestHeaders: [
        ["Host", "shop.example.com"],
        ["X-Name", bytes("café")],
        ["Cookie", null],
        // An 8-bit CSI, not UTF-8: escaped, and a UTF-8 one (U+009B) replaced.
        ["X-Evil", `\u009b31m ${bytes("\u009b")}31m`],
      ],
      responseHeaders: [["Content-Disposition", bytes('attachment; filename="résumé.pdf"')]],
    }),
    [
      "    > Host: shop.example.com",
      "    > X-Name: café",
      "    > Cookie: (hidden)",
      "    > X-Evil: \\x9B31m ?31m",
      '    < Content-Disposition: attachment; filename="résumé.pdf"',
    ],
  );
});
