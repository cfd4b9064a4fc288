import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createTestDatabase } from "../testing/db.ts";
import { checkExportFilter, exportChunks, exportedRequests } from "./export.ts";
import { CSV_COLUMNS, exportedBody, exportFileName, exportOptionsSchema } from "./export-format.ts";
import { captureHeaders } from "./headers.ts";

const database = await createTestDatabase("logexport");
after(() => database.drop());
const { db } = database;

// More rows than one page of the export, plus another name's.
const ROWS = 450;
const start = Date.now() - ROWS * 1000;
await db.requestLog.createMany({
  data: Array.from({ length: ROWS }, (_, i) => ({
    name: "shop",
    at: new Date(start + i * 1000),
    method: i % 2 === 0 ? "GET" : "POST",
    path: i === ROWS - 1 ? '=cmd|" /C calc"!A0,\nnext' : `/items/${i}`,
    status: i % 50 === 0 ? 500 : 200,
    durationMs: 1.5,
    clientIp: "198.51.100.4",
    requestHeaders: captureHeaders(["Host", "shop.example.com", "Authorization", "Bearer secret"]),
  })),
});
await db.requestLog.create({
  data: {
    name: "other",
    method: "GET",
    path: "/not-shop",
    status: 200,
    durationMs: 1,
    clientIp: "198.51.100.5",
  },
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** RFC 4180, enough to read back what the export writes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  return records;
}

test("every matching row once, newest first, across pages; other names' rows never", async () => {
  const rows = await collect(exportedRequests(db, { name: "shop" }));
  assert.equal(rows.length, ROWS);
  assert.equal(new Set(rows.map((r) => r.id)).size, ROWS);
  assert.ok(rows.every((r, i) => i === 0 || BigInt(r.id) < BigInt(rows[i - 1]!.id)));
  assert.ok(!rows.some((r) => r.path === "/not-shop"));
  assert.equal(rows.at(-1)!.path, "/items/0");
});

test("the log's filters apply, and the cap keeps the newest rows", async () => {
  const failed = await collect(exportedRequests(db, { name: "shop", status: "5xx" }));
  assert.deepEqual(
    failed.map((r) => r.path),
    Array.from({ length: ROWS / 50 }, (_, i) => `/items/${ROWS - 50 - i * 50}`),
  );
  const capped = await collect(exportedRequests(db, { name: "shop", method: "GET" }, 3));
  assert.deepEqual(
    capped.map((r) => r.path),
    ["/items/448", "/items/446", "/items/444"],
  );
});

test("CSV reads back as the rows, hostile text inert, credentials hidden", async () => {
  const chunks = await collect(exportChunks(exportedRequests(db, { name: "shop" }), "csv"));
  assert.ok(chunks.length >= 3, "streamed in pieces, not built whole");
  const text = chunks.join("");
  assert.ok(
    text.startsWith("\uFEFFid,time,method,path,"),
    "a byte-order mark for spreadsheets, then the header",
  );
  const [header, ...records] = parseCsv(text.slice(1));
  assert.deepEqual(header, [...CSV_COLUMNS]);
  assert.equal(records.length, ROWS);
  const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
  const newest = records[0]!;
  assert.equal(newest[column("path")], `'=cmd|" /C calc"!A0,\nnext`, "a formula is prefixed, not run");
  assert.equal(newest[column("request_headers")], "Host: shop.example.com\nAuthorization: (hidden)");
  assert.ok(!text.includes("Bearer secret"));
  assert.equal(records.at(-1)![column("path")], "/items/0");
});

test("a CSV download starts with its header before the log is searched, however far its first match is", async () => {
  // A rare filter's first match may be millions of rows away: the header must not wait for it.
  let asked = 0;
  const rows = exportedRequests(db, { name: "shop", pathContains: "/items/0" });
  const counted: AsyncIterable<Awaited<ReturnType<typeof rows.next>>["value"]> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        asked += 1;
        return rows.next();
      },
    }),
  };
  const chunks = exportChunks(counted, "csv");
  const first = await chunks.next();
  assert.equal(first.value, `\uFEFF${CSV_COLUMNS.join(",")}\r\n`);
  assert.equal(asked, 0, "no row asked for before the header went");
  const rest = [];
  for await (const chunk of chunks) rest.push(chunk);
  assert.equal(parseCsv(rest.join("")).length, 1, "then the one match");
  // What the route checks before it answers: a refused filter is an error, not a cut-short file.
  assert.throws(() => checkExportFilter({ name: "shop", status: "teapot" }), { code: "invalid_input" });
  checkExportFilter({ name: "shop", status: "5xx", pathContains: "/items" });
});

test("JSON lines: one object per row; an empty log is an empty file (CSV: its header)", async () => {
  const lines = (await collect(exportChunks(exportedRequests(db, { name: "shop", status: "5xx" }), "ndjson")))
    .join("")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(lines.length, ROWS / 50);
  assert.equal(lines[0].status, 500);
  assert.deepEqual(lines[0].requestHeaders, [
    ["Host", "shop.example.com"],
    ["Authorization", null],
  ]);
  assert.equal(
    (await collect(exportChunks(exportedRequests(db, { name: "nobody" }), "ndjson"))).join(""),
    "",
  );
  assert.equal(
    (await collect(exportChunks(exportedRequests(db, { name: "nobody" }), "csv"))).join(""),
    `\uFEFF${CSV_COLUMNS.join(",")}\r\n`,
  );
});

test("JSON lines with bodies: each request carries its kept bodies, text as text and bytes as base64, across pages", async () => {
  const kept = [];
  for (let i = 0; i < 60; i++) {
    kept.push(
      await db.requestLog.create({
        data: {
          name: "hooks",
          method: "POST",
          path: `/hook/${i}`,
          status: 200,
          durationMs: 1,
          clientIp: "198.51.100.4",
          requestBody: new Uint8Array(Buffer.from(`{"n":${i},"é":true}`)),
          responseBody: i === 0 ? new Uint8Array([0x1f, 0x8b, 0xff]) : null,
        },
      }),
    );
  }
  await db.requestLog.create({
    data: {
      name: "hooks",
      method: "GET",
      path: "/plain",
      status: 200,
      durationMs: 1,
      clientIp: "198.51.100.4",
    },
  });
  const lines = (
    await collect(
      exportChunks(exportedRequests(db, { name: "Hooks" }, undefined, { bodies: true }), "ndjson"),
    )
  )
    .join("")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(lines.length, 61);
  assert.equal(lines[0].path, "/plain");
  assert.equal(lines[0].requestBody, null);
  assert.equal(lines[0].responseBody, null);
  assert.equal(lines[0].frameTimes, null);
  const byPath = new Map(lines.map((l) => [l.path, l]));
  for (let i = 0; i < 60; i++) {
    assert.deepEqual(byPath.get(`/hook/${i}`).requestBody, { encoding: "utf8", data: `{"n":${i},"é":true}` });
  }
  assert.deepEqual(byPath.get("/hook/0").responseBody, { encoding: "base64", data: "H4v/" });
  assert.equal(byPath.get("/hook/1").responseBody, null);
  // Without asking, no bodies.
  const plain = (await collect(exportedRequests(db, { name: "hooks" })))[1]!;
  assert.equal("requestBody" in plain, false);
});

test("export options: bodies only into JSON lines; bad values say what to use", () => {
  assert.deepEqual(exportOptionsSchema.parse({ format: "ndjson", bodies: "1" }), {
    format: "ndjson",
    bodies: true,
    check: false,
  });
  assert.deepEqual(exportOptionsSchema.parse({}), { format: "csv", bodies: false, check: false });
  assert.equal(exportOptionsSchema.parse({ check: "1" }).check, true);
  assert.equal(
    exportOptionsSchema.safeParse({ format: "csv", bodies: "1" }).error?.issues[0]?.message,
    "Bodies go only into JSON lines (format=ndjson)",
  );
  assert.equal(
    exportOptionsSchema.safeParse({ format: "ndjson", bodies: "yes" }).error?.issues[0]?.message,
    "Use bodies=1 for bodies, or leave it out",
  );
  assert.equal(
    exportFileName("hooks", "ndjson", new Date("2026-12-03T12:04:00Z"), true),
    "hooks-requests-with-bodies-2026-12-03T1204Z.ndjson",
  );
});

test("an exported body is UTF-8 text as it is (a byte-order mark kept), anything else base64", () => {
  const bom = Buffer.from("\ufeff{}", "utf8");
  assert.deepEqual(exportedBody(bom), { encoding: "utf8", data: "\ufeff{}" });
  assert.deepEqual(exportedBody(new Uint8Array([0xc3, 0x28])), { encoding: "base64", data: "wyg=" });
  assert.equal(exportedBody(null), null);
});
