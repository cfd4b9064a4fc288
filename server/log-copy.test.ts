import assert from "node:assert/strict";
import { test } from "node:test";
import type { NewRequestLog } from "../lib/request-logs/row.ts";
import { CopyBlock, copyData, parseCopyData } from "./log-copy.ts";

function row(path: string, requestHeaders: string | null = null): NewRequestLog {
  return {
    at: new Date("2026-12-03T10:00:00.000Z"),
    name: "app",
    sessionId: null,
    method: "GET",
    path,
    status: 200,
    durationMs: 1.5,
    bytesIn: 0,
    bytesOut: 12,
    clientIp: "203.0.113.5",
    userAgent: null,
    upgrade: false,
    admission: "PUBLIC",
    shareLinkId: null,
    error: null,
    accessPage: null,
    requestHeaders,
    responseHeaders: null,
    requestBody: null,
    responseBody: null,
    responseBodyDecoded: null,
    replayOf: null,
    open: false,
    streamKey: null,
    frameTimes: null,
  };
}

test("COPY data is one escaped line per row, NULL as \\N", () => {
  const text = Buffer.concat([...copyData([row("/a\tb\\c\nd")])]).toString("utf8");
  assert.equal(
    text,
    "2026-12-03T10:00:00.000Z\tapp\t\\N\tGET\t/a\\tb\\\\c\\nd\t200\t1.5\t0\t12\t203.0.113.5\t\\N\tf\tPUBLIC\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\tf\t\\N\t\\N\n",
  );
});

test("a large batch comes in chunks of at most 64 KiB that end at line ends; an oversized row gets a chunk of its own", () => {
  const rows = Array.from({ length: 300 }, (_, i) => row(`/${i}/${"é😀".repeat(200)}`));
  rows.splice(150, 0, row("/big", "ß".repeat(100_000)));
  const chunks = [...copyData(rows)];
  assert.ok(chunks.length > 3, `${chunks.length} chunks`);
  for (const chunk of chunks) assert.equal(chunk.at(-1), 0x0a, "every chunk ends with a whole line");
  const oversized = chunks.filter((chunk) => chunk.length > 64 * 1024);
  assert.equal(oversized.length, 1);
  assert.match(oversized[0]!.toString("utf8"), /^[^\n]*\/big[^\n]*\n$/);
  const lines = Buffer.concat(chunks).toString("utf8").split("\n").slice(0, -1);
  assert.deepEqual(
    lines.map((line) => line.split("\t")[4]),
    rows.map((r) => r.path),
  );
});

test("a replay's original id is written as a number", () => {
  const text = Buffer.concat([
    ...copyData([{ ...row("/r"), admission: "REPLAY", replayOf: "9007199254740993" }]),
  ]);
  assert.equal(text.toString("utf8").split("\t").at(-4), "9007199254740993");
});

test("a row written open carries its flag and key", () => {
  const text = Buffer.concat([
    ...copyData([{ ...row("/ws"), open: true, streamKey: "k1", frameTimes: '{"visitor":[0,1.5],"app":[]}' }]),
  ]);
  assert.deepEqual(text.toString("utf8").split("\t").slice(-3), [
    "t",
    "k1",
    '{"visitor":[0,1.5],"app":[]}\n',
  ]);
});

test("no rows, no data", () => {
  assert.deepEqual([...copyData([])], []);
});

test("rows in a COPY block read back exactly as they were queued", () => {
  const rows: NewRequestLog[] = [
    row("/a\tb\\c\nd\re"),
    { ...row("/é😀"), sessionId: "s1", userAgent: "ua \\ x", error: "client_aborted", status: 499 },
    { ...row("/share"), admission: "SHARE_LINK", shareLinkId: "l1", accessPage: "link_opened" },
    {
      ...row("/replay"),
      admission: "REPLAY",
      replayOf: "9007199254740993",
      requestHeaders: '[["a","b\\tc"]]',
    },
    {
      ...row("/kept"),
      requestBody: "00ff",
      responseBody: "",
      frameTimes: '{"visitor":[]}',
      durationMs: 0.123456789,
    },
  ];
  const block = new CopyBlock();
  for (const r of rows) assert.equal(block.add(r), true);
  assert.equal(block.count, rows.length);
  assert.deepEqual([...block.names], ["app"]);
  assert.deepEqual(block.rows(), { rows, unreadable: 0 });
  assert.deepEqual(Buffer.concat([...copyData([block])]), Buffer.concat([...copyData(rows)]));
});

test("a COPY block grows to 64 KiB, then says it is full; a larger row fits only in an empty one", () => {
  const block = new CopyBlock();
  let added = 0;
  while (block.add(row(`/${added}/${"x".repeat(100)}`))) added += 1;
  assert.ok(added > 100, `${added} rows`);
  assert.ok(block.data().length <= 64 * 1024);
  assert.deepEqual(
    block.rows().rows.map((r) => r.path),
    Array.from({ length: added }, (_, i) => `/${i}/${"x".repeat(100)}`),
  );
  const big = new CopyBlock();
  assert.equal(big.add(row("/big", "h".repeat(100_000))), true);
  assert.equal(big.add(row("/next")), false);
  assert.equal(big.rows().rows[0]?.requestHeaders?.length, 100_000);
});

test("COPY lines that do not read back as rows are counted, not guessed at or thrown", () => {
  const good = Buffer.concat([...copyData([row("/ok")])]).toString("utf8");
  const badStatus = good.replace("\t200\t", "\tnot-a-number\t");
  const read = parseCopyData(`a\tb\n${good}${badStatus}`);
  assert.deepEqual(
    read.rows.map((r) => r.path),
    ["/ok"],
  );
  assert.equal(read.unreadable, 2);
});
