import assert from "node:assert/strict";
import { test } from "node:test";
import {
  csvField,
  csvLine,
  type ExportedRequest,
  exportFileName,
  exportFormatSchema,
  toExportedRequest,
} from "./export-format.ts";
import type { RequestLogRow } from "./query.ts";

test("CSV fields are quoted only when they must be, quotes doubled", () => {
  assert.equal(csvField("/plain"), "/plain");
  assert.equal(csvField("/a,b"), '"/a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
  assert.equal(csvField(null), "");
  assert.equal(csvField(0), "0");
  assert.equal(csvField(false), "false");
});

test("text a spreadsheet would run as a formula is written as text", () => {
  assert.equal(csvField('=HYPERLINK("http://evil")'), '"\'=HYPERLINK(""http://evil"")"');
  assert.equal(csvField("+1"), "'+1");
  assert.equal(csvField("-2+3"), "'-2+3");
  assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvField("\tcmd"), "'\tcmd");
  // Numbers are ours, never a visitor's text: written as they are.
  assert.equal(csvField(-1), "-1");
});

test("a CSV line has every column, headers one per line with credentials hidden", () => {
  const request: ExportedRequest = {
    id: "42",
    at: "2026-12-03T12:00:00.000Z",
    method: "POST",
    path: "/orders?x=1,2",
    status: 201,
    durationMs: 3.25,
    bytesIn: 10,
    bytesOut: 20,
    clientIp: "203.0.113.9",
    userAgent: "curl/8.0",
    websocket: false,
    access: "PUBLIC",
    shareLink: null,
    answeredByRelay: null,
    requestHeaders: [
      ["Host", "shop.example.com"],
      ["Cookie", null],
    ],
    responseHeaders: null,
    bodiesKept: false,
    replayOf: null,
    openState: null,
    waiting: false,
  };
  assert.equal(
    csvLine(request),
    '42,2026-12-03T12:00:00.000Z,POST,"/orders?x=1,2",201,3.25,10,20,203.0.113.9,curl/8.0,false,PUBLIC,,,"Host: shop.example.com\nCookie: (hidden)",,,,false\r\n',
  );
  assert.equal(
    csvLine({ ...request, access: "REPLAY", replayOf: "41" }),
    '42,2026-12-03T12:00:00.000Z,POST,"/orders?x=1,2",201,3.25,10,20,203.0.113.9,curl/8.0,false,REPLAY,,,"Host: shop.example.com\nCookie: (hidden)",,41,,false\r\n',
  );
  assert.match(
    csvLine({ ...request, method: "GET", websocket: true, openState: "open" }),
    /,true,PUBLIC,.*,open,false\r\n$/s,
  );
});

test("a request still waiting for the app's answer is exported as waiting, its status still the number 0", () => {
  const waitingRow: RequestLogRow = {
    id: "8",
    at: new Date("2026-12-03T12:00:00.000Z"),
    sessionId: "s1",
    method: "GET",
    path: "/hold",
    status: 0,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
    clientIp: "203.0.113.9",
    userAgent: null,
    upgrade: false,
    admission: "PUBLIC",
    shareLinkId: null,
    shareLinkLabel: null,
    error: null,
    accessPage: null,
    requestHeaders: null,
    responseHeaders: null,
    bodiesKept: false,
    replayOf: null,
    openState: "open",
  };
  const waiting = toExportedRequest(waitingRow);
  assert.equal(waiting.waiting, true);
  assert.equal(waiting.status, 0, "a number, as every other row's: scripts comparing it keep working");
  assert.equal(waiting.openState, "open");
  assert.match(csvLine(waiting), /,GET,\/hold,0,.*,open,true\r\n$/s);
  // Completed: an answer like any other.
  assert.equal(toExportedRequest({ ...waitingRow, status: 201, openState: null }).waiting, false);
  // An event stream still open has its status and is not waiting.
  assert.equal(toExportedRequest({ ...waitingRow, status: 200 }).waiting, false);
  // The relay stopped while it waited: no answer was ever recorded, and none is coming.
  const lost = toExportedRequest({ ...waitingRow, openState: "unrecorded" });
  assert.deepEqual([lost.status, lost.openState, lost.waiting], [0, "unrecorded", false]);
});

test("file names say which name and when; formats are checked", () => {
  const at = new Date("2026-12-03T12:04:59.000Z");
  assert.equal(exportFileName("shop", "csv", at), "shop-requests-2026-12-03T1204Z.csv");
  assert.equal(exportFileName("shop", "ndjson", at), "shop-requests-2026-12-03T1204Z.ndjson");
  assert.equal(exportFormatSchema.safeParse("xlsx").error?.issues[0]?.message, "Choose csv or ndjson");
});

test("header values and the user agent are exported as the dashboard shows them, in both formats", () => {
  // As the log stores them (Node's reading): one Latin-1 character a byte.
  const bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");
  const row: RequestLogRow = {
    id: "7",
    at: new Date("2026-12-03T12:00:00.000Z"),
    sessionId: null,
    method: "GET",
    path: "/cv",
    status: 200,
    durationMs: 1,
    bytesIn: 0,
    bytesOut: 9,
    clientIp: "203.0.113.9",
    userAgent: bytes("Büro/1.0"),
    upgrade: false,
    admission: "PUBLIC",
    shareLinkId: null,
    shareLinkLabel: null,
    error: null,
    accessPage: null,
    requestHeaders: [
      ["X-Name", bytes("café")],
      ["X-Old", Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString("latin1")],
      ["Cookie", null],
    ],
    responseHeaders: [["Content-Disposition", bytes('attachment; filename="résumé.pdf"')]],
    bodiesKept: false,
    replayOf: null,
    openState: null,
  };
  const request = toExportedRequest(row);
  const json = JSON.parse(JSON.stringify(request)) as ExportedRequest;
  assert.deepEqual(json.requestHeaders, [
    ["X-Name", "café"],
    ["X-Old", "caf\\xE9"],
    ["Cookie", null],
  ]);
  assert.deepEqual(json.responseHeaders, [["Content-Disposition", 'attachment; filename="résumé.pdf"']]);
  assert.equal(json.userAgent, "Büro/1.0");
  const csv = csvLine(request);
  assert.ok(csv.includes(",Büro/1.0,"), csv);
  assert.ok(csv.includes('"X-Name: café\nX-Old: caf\\xE9\nCookie: (hidden)"'), csv);
  assert.ok(csv.includes('"Content-Disposition: attachment; filename=""résumé.pdf"""'), csv);
});
