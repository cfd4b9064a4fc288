import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AppError } from "../errors.ts";
import { createTestDatabase } from "../testing/db.ts";
import { bytesEscaped } from "./body-search.ts";
import { captureHeaders } from "./headers.ts";
import {
  END_GRACE_MS,
  findRequestLog,
  listRecentErrors,
  listRequestLogs,
  newestRequestLogs,
  recentErrorsFrom,
  refreshRequestLogs,
  requestCounts,
  requestLogPageSql,
  requestStats,
  searchRequestLogs,
} from "./query.ts";
import type { NewRequestLog } from "./row.ts";
import { isTunnelError } from "./tunnel-errors.ts";

const database = await createTestDatabase("logs");
after(() => database.drop());
const { db } = database;

const base = { name: "shop", durationMs: 3.5, clientIp: "198.51.100.4" };
const minute = 60_000;
const start = Date.now() - 30 * minute;

// 60 rows for "shop" spread over the last 30 minutes, plus noise under another name.
await db.requestLog.createMany({
  data: Array.from({ length: 60 }, (_, i) => ({
    ...base,
    at: new Date(start + i * 30_000),
    method: i % 3 === 0 ? "POST" : "GET",
    path: `/items/${i}`,
    status: i % 10 === 0 ? 500 : i % 7 === 0 ? 404 : 200,
    bytesOut: BigInt(i * 100),
  })),
});
await db.requestLog.createMany({
  data: [
    { ...base, method: "GET", path: "/50%_off", status: 200 },
    { ...base, method: "GET", path: "/50xxoff", status: 200 },
    { ...base, method: "GET", path: "/a\\b", status: 502, error: "local_unreachable" },
    { ...base, name: "other", method: "GET", path: "/items/1", status: 200 },
  ],
});

test("keyset pagination walks every row once, newest first", async () => {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listRequestLogs(db, { name: "shop", limit: 25, before: cursor });
    seen.push(...page.rows.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(seen.length, 63);
  assert.equal(new Set(seen).size, 63);
  const ids = seen.map(BigInt);
  assert.ok(
    ids.every((id, i) => i === 0 || id < ids[i - 1]!),
    "strictly descending",
  );
});

test("a search with a scan window reads the newest rows only, says how far back, and goes on from there", async () => {
  const filter = { name: "shop", pathContains: "/items/1", limit: 50 };
  const everything = (await listRequestLogs(db, filter)).rows.map((r) => r.path);
  assert.equal(everything.length, 11, "/items/1 and /items/10 to /items/19");

  const first = await listRequestLogs(db, filter, { scanRows: 10 });
  // The newest 10 rows are the three written last and /items/59 to /items/53: none matches.
  assert.deepEqual(first.rows, []);
  assert.equal(first.searchedSince?.getTime(), start + 52 * 30_000, "the time of the first row not searched");
  assert.ok(first.nextCursor, "older rows are still to be searched");

  const found: string[] = [];
  let cursor: string | null = first.nextCursor;
  let pages = 1;
  while (cursor) {
    const page = await listRequestLogs(db, { ...filter, before: cursor }, { scanRows: 10 });
    found.push(...page.rows.map((r) => r.path));
    assert.equal(page.searchedSince === null, page.nextCursor === null, "a window that ended says so");
    cursor = page.nextCursor;
    pages += 1;
  }
  assert.deepEqual(found, everything, "every match once, newest first");
  assert.equal(pages, 7, "63 rows, 10 a window");

  // A page that fills before its window ends pages on from its last row, as without a window.
  const full = await listRequestLogs(
    db,
    { name: "shop", pathContains: "/items/", limit: 5 },
    { scanRows: 10 },
  );
  assert.equal(full.rows.length, 5);
  assert.equal(full.searchedSince, null);
  assert.equal(full.nextCursor, full.rows[4]!.id);
  // Without filters the page is the index's first rows: no window.
  const plain = await listRequestLogs(db, { name: "shop", limit: 50 }, { scanRows: 10 });
  assert.equal(plain.rows.length, 50);
  assert.equal(plain.searchedSince, null);
});

test("the whole log is searched a window at a time, each statement reading at most a window's rows", async () => {
  const filter = { name: "shop", pathContains: "/items/1" };
  const everything = (await listRequestLogs(db, { ...filter, limit: 50 })).rows.map((r) => r.id);
  const pages = [];
  for await (const page of searchRequestLogs(db, filter, { pageRows: 4, scanRows: 10 })) pages.push(page);
  assert.deepEqual(
    pages.flatMap((p) => p.rows.map((r) => r.id)),
    everything,
    "every match once, newest first",
  );
  assert.ok(
    pages.every((p) => p.rows.length <= 4),
    "pages of at most pageRows",
  );
  // 63 rows, 10 a window: each window's end is said, as the dashboard's "searched since".
  const since = pages.flatMap((p) => (p.searchedSince ? [p.searchedSince.getTime()] : []));
  assert.equal(since.length, 6);
  assert.deepEqual(
    since,
    [52, 42, 32, 22, 12, 2].map((i) => start + i * 30_000),
    "window after window, back in time",
  );
  assert.ok(pages[0]!.tailFrom, "the first page says where a follow goes on from");
  assert.ok(pages.slice(1).every((p) => p.tailFrom === null));

  // The newest N of the whole log, read window by window, each step wrapped (a time limit).
  let reads = 0;
  const newest = await newestRequestLogs(db, filter, 3, {
    scanRows: 10,
    eachRead: (read) => {
      reads += 1;
      return read;
    },
  });
  assert.deepEqual(
    newest.rows.map((r) => r.id),
    everything.slice(0, 3),
  );
  assert.equal(newest.tailFrom, pages[0]!.tailFrom);
  assert.ok(reads > 1, "a rare match beyond the first window took several reads");
});

test("a time window far back is read by itself, not by skipping every newer row", async () => {
  // An hour three days back (500 rows), then 19,500 rows over the last two days.
  const hour = Date.now() - 3 * 24 * 3_600_000;
  await db.$executeRaw`
    INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip)
    SELECT CASE WHEN g <= 500 THEN ${new Date(hour)}::timestamptz AT TIME ZONE 'UTC' + g * interval '7 seconds'
                ELSE now() AT TIME ZONE 'UTC' - interval '2 days' + g * interval '8 seconds' END,
           'deep', 'GET', '/d/' || g, CASE WHEN g % 10 = 0 THEN 500 ELSE 200 END, 1, '198.51.100.9'
    FROM generate_series(1, 20000) AS g`;
  await db.$executeRaw`ANALYZE request_logs`;
  const window = {
    name: "deep",
    from: new Date(hour).toISOString(),
    to: new Date(hour + 3_600_000).toISOString(),
  };

  /** How many of the table's rows the page's statement read (found or filtered out), by EXPLAIN. */
  const rowsRead = async (filter: Parameters<typeof requestLogPageSql>[1]) => {
    const sql = await requestLogPageSql(db, filter);
    const [explained] = await db.$queryRawUnsafe<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql.text}`,
      ...sql.values,
    );
    const scanned = (node: PlanNode): number =>
      (node["Relation Name"] === "request_logs"
        ? (node["Actual Rows"] ?? 0) +
          (node["Rows Removed by Filter"] ?? 0) +
          (node["Rows Removed by Index Recheck"] ?? 0)
        : 0) + (node.Plans ?? []).reduce((sum, child) => sum + scanned(child), 0);
    return scanned(explained!["QUERY PLAN"][0]!.Plan);
  };
  assert.ok(
    (await rowsRead({ ...window, limit: 50 })) <= 500,
    "the window's 500 rows, not the 19,500 after it",
  );
  assert.ok((await rowsRead({ ...window, status: "5xx", limit: 50 })) <= 500);
  // The page itself: the window's newest, newest first.
  const page = await listRequestLogs(db, { ...window, limit: 3 });
  assert.deepEqual(
    page.rows.map((r) => r.path),
    ["/d/500", "/d/499", "/d/498"],
  );
  const older = await listRequestLogs(db, { ...window, limit: 3, before: page.nextCursor ?? undefined });
  assert.deepEqual(
    older.rows.map((r) => r.path),
    ["/d/497", "/d/496", "/d/495"],
  );
  // A window ending now is read newest first, as before: its rows are the newest.
  const recent = { name: "deep", from: new Date(Date.now() - 3_600_000).toISOString(), limit: 50 };
  assert.ok((await rowsRead(recent)) <= 51 + 1_000, "only the newest rows");
});

interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

test("rows are JSON-safe", async () => {
  const { rows } = await listRequestLogs(db, { name: "shop", limit: 1 });
  const row = rows[0]!;
  assert.equal(typeof row.id, "string");
  assert.equal(typeof row.bytesOut, "number");
  assert.doesNotThrow(() => JSON.stringify(rows));
});

test("one request by id, as the log lists it, only under its own name", async () => {
  const [newest] = (await listRequestLogs(db, { name: "shop", limit: 1 })).rows;
  const hook = { ...base, name: "shop", method: "POST", path: "/hook", status: 201 };
  const original = await db.requestLog.create({ data: { ...hook, requestBody: Buffer.from("x") } });
  const replay = await db.requestLog.create({
    data: { ...hook, admission: "REPLAY", replayOf: original.id },
  });
  try {
    const found = await findRequestLog(db, "shop", String(original.id));
    assert.equal(found?.path, "/hook");
    assert.equal(found?.bodiesKept, true);
    assert.equal(found?.replayOf, null);
    assert.equal((await findRequestLog(db, "shop", String(replay.id)))?.replayOf, String(original.id));
    assert.equal((await findRequestLog(db, "shop", newest!.id))?.id, newest!.id);
    assert.equal(await findRequestLog(db, "other", String(original.id)), null, "another name's log");
    assert.equal(await findRequestLog(db, "shop", "999999999"), null);
    await assert.rejects(
      findRequestLog(db, "shop", "1; DROP"),
      (e) => e instanceof AppError && e.code === "invalid_input",
    );
  } finally {
    await db.requestLog.deleteMany({ where: { id: { in: [original.id, replay.id] } } });
  }
});

test("filters: status class or code, method, time range", async () => {
  const errors = await listRequestLogs(db, { name: "shop", status: "5xx", limit: 200 });
  assert.equal(errors.rows.length, 7); // i = 0, 10, …, 50 and the relay's 502
  assert.ok(errors.rows.every((r) => r.status >= 500));
  const missing = await listRequestLogs(db, { name: "shop", status: "404", limit: 200 });
  // i % 7 === 0 but not i % 10 === 0
  const sevens = [7, 14, 21, 28, 35, 42, 49, 56].map((i) => `/items/${i}`);
  assert.deepEqual(missing.rows.map((r) => r.path).sort(), sevens.sort());
  const gateway = await listRequestLogs(db, { name: "shop", status: "502", limit: 200 });
  assert.deepEqual(
    gateway.rows.map((r) => r.path),
    ["/a\\b"],
  );
  const posts = await listRequestLogs(db, { name: "shop", method: "post", limit: 200 });
  assert.equal(posts.rows.length, 20);
  const window = await listRequestLogs(db, {
    name: "shop",
    from: new Date(start).toISOString(),
    to: new Date(start + 5 * minute).toISOString(),
    limit: 200,
  });
  assert.equal(window.rows.length, 10);
  // Search params arrive as strings, empty ones meaning "no filter".
  const fromForm = await listRequestLogs(db, {
    name: "SHOP",
    status: "",
    method: "",
    limit: "200" as never,
  });
  assert.equal(fromForm.rows.length, 63);
});

test("path search is a case-insensitive substring; % and _ are literal", async () => {
  const percent = await listRequestLogs(db, { name: "shop", pathContains: "50%_OFF" });
  assert.deepEqual(
    percent.rows.map((r) => r.path),
    ["/50%_off"],
  );
  const backslash = await listRequestLogs(db, { name: "shop", pathContains: "a\\b" });
  assert.deepEqual(
    backslash.rows.map((r) => r.path),
    ["/a\\b"],
  );
  const items = await listRequestLogs(db, { name: "shop", pathContains: "/items/5", limit: 200 });
  assert.equal(items.rows.length, 11); // 5 and 50–59
});

test("path search finds the text as a person reads it in a percent-encoded path", async () => {
  await db.requestLog.createMany({
    data: [
      { ...base, name: "encoded", method: "GET", path: "/search?q=%3Cscript%3Ealert(1)", status: 200 },
      { ...base, name: "encoded", method: "GET", path: "/caf%C3%A9/menu", status: 200 },
      { ...base, name: "encoded", method: "GET", path: "/find?q=hello+world", status: 200 },
      { ...base, name: "encoded", method: "GET", path: "/plain", status: 200 },
    ],
  });
  const paths = async (pathContains: string) =>
    (await listRequestLogs(db, { name: "encoded", pathContains })).rows.map((r) => r.path);
  assert.deepEqual(await paths("<script"), ["/search?q=%3Cscript%3Ealert(1)"]);
  assert.deepEqual(await paths("%3cSCRIPT"), ["/search?q=%3Cscript%3Ealert(1)"], "as stored, any case");
  assert.deepEqual(await paths("Café/"), ["/caf%C3%A9/menu"]);
  assert.deepEqual(await paths("hello world"), ["/find?q=hello+world"]);
  // Still a substring search: text in neither form matches nothing.
  assert.deepEqual(await paths("<b>"), []);
});

test("header search finds a name or value in either list, case-insensitively; hidden values never match", async () => {
  const row = (path: string, request: string[], response: string[]) => ({
    ...base,
    name: "inspect",
    method: "GET",
    path,
    status: 200,
    requestHeaders: captureHeaders(request),
    responseHeaders: captureHeaders(response),
  });
  await db.requestLog.createMany({
    data: [
      row("/traced", ["X-Request-Id", "req-7f3a"], ["Content-Type", "text/html"]),
      row("/json", ["Accept", "application/json"], ["Content-Type", "application/json"]),
      row("/secret", ["Cookie", "sid=hunter2"], ["X-Note", 'say "hi" \\ bye']),
      { ...base, name: "inspect", method: "GET", path: "/old", status: 200 },
    ],
  });
  const paths = async (headersContain: string) =>
    (await listRequestLogs(db, { name: "inspect", headersContain })).rows.map((r) => r.path);
  assert.deepEqual(await paths("REQ-7F3A"), ["/traced"]);
  assert.deepEqual(await paths("x-request-id"), ["/traced"]);
  assert.deepEqual(await paths("application/json"), ["/json"]);
  assert.deepEqual(await paths("content-type"), ["/json", "/traced"]);
  assert.deepEqual(await paths("cookie"), ["/secret"]);
  assert.deepEqual(await paths("hunter2"), []);
  // Quotes and backslashes are found as typed, though JSON escapes them in the stored text.
  assert.deepEqual(await paths('"hi" \\'), ["/secret"]);
  assert.deepEqual(await paths("%"), []);
});

test("header search finds a UTF-8 value as it reads, not as its bytes read in Latin-1", async () => {
  // As Node hands headers on and the log stores them: one Latin-1 character a byte.
  const bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");
  const row = (path: string, request: string[]) => ({
    ...base,
    name: "accents",
    method: "GET",
    path,
    status: 200,
    requestHeaders: captureHeaders(request),
  });
  await db.requestLog.createMany({
    data: [
      row("/utf8", ["X-Name", bytes("Café Crème")]),
      row("/latin1", ["X-Name", Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString("latin1")]),
      row("/file", ["Content-Disposition", bytes('attachment; filename="résumé.pdf"')]),
    ],
  });
  const paths = async (headersContain: string) =>
    (await listRequestLogs(db, { name: "accents", headersContain })).rows.map((r) => r.path);
  assert.deepEqual(await paths("café"), ["/utf8"]);
  assert.deepEqual(await paths("CAFé crème"), ["/utf8"]);
  assert.deepEqual(await paths('"résumé.pdf"'), ["/file"]);
  assert.deepEqual(await paths("cafÃ©"), [], "not as the bytes read in Latin-1");
});

test("one visitor's requests: the client address matches exactly, IPv6 in any spelling", async () => {
  const row = (path: string, clientIp: string) => ({
    ...base,
    name: "visitors",
    method: "GET",
    path,
    status: 200,
    clientIp,
  });
  await db.requestLog.createMany({
    data: [
      row("/a", "203.0.113.7"),
      row("/b", "203.0.113.70"),
      row("/c", "2001:db8::1"),
      row("/d", "203.0.113.7"),
    ],
  });
  const paths = async (clientIp: string) =>
    (await listRequestLogs(db, { name: "visitors", clientIp })).rows.map((r) => r.path);
  assert.deepEqual(await paths("203.0.113.7"), ["/d", "/a"]);
  assert.deepEqual(await paths("2001:DB8:0::1"), ["/c"]);
  assert.deepEqual(await paths("198.51.100.4"), []);
  assert.equal((await listRequestLogs(db, { name: "visitors", clientIp: "" })).rows.length, 4);
});

test("after: the rows newer than a cursor, for the live tail", async () => {
  const { rows } = await listRequestLogs(db, { name: "shop", limit: 200 });
  const newest = rows[0]!;
  assert.deepEqual((await listRequestLogs(db, { name: "shop", after: newest.id })).rows, []);
  const third = rows[2]!;
  const tail = await listRequestLogs(db, { name: "shop", after: third.id });
  assert.deepEqual(
    tail.rows.map((r) => r.id),
    [rows[0]!.id, rows[1]!.id],
  );
  // A tail that fell behind gets the oldest missing rows first, so it never skips any.
  const behind = await listRequestLogs(db, { name: "shop", after: rows[10]!.id, limit: 3 });
  assert.deepEqual(
    behind.rows.map((r) => r.id),
    [rows[7]!.id, rows[8]!.id, rows[9]!.id],
  );
  assert.equal(behind.tailFrom, rows[7]!.id, "the next look goes on from the newest row it got");

  // A rare filter: rows that did not match are looked at once, not at every tail.
  const rare = { name: "shop", pathContains: "/items/1" };
  const first = await listRequestLogs(db, rare);
  assert.equal(first.tailFrom, newest.id, "the first page looked at every row up to the newest");
  assert.ok(BigInt(first.rows[0]!.id) < BigInt(newest.id), "though its newest match is older");
  const quiet = await listRequestLogs(db, { ...rare, after: first.rows[0]!.id });
  assert.deepEqual(quiet.rows, []);
  assert.equal(quiet.tailFrom, newest.id);
  assert.equal((await listRequestLogs(db, { ...rare, before: first.rows[0]!.id })).tailFrom, null);
});

test("bad filters are refused", async () => {
  for (const filter of [
    { name: "shop", limit: 0 },
    { name: "shop", limit: 201 },
    { name: "shop", before: "1; DROP TABLE" },
    { name: "shop", status: "6xx" },
    { name: "shop", status: "404 OR 1=1" },
    { name: "shop", status: "4040" },
    { name: "shop", clientIp: "198.51.100" },
    { name: "shop", clientIp: "'; DROP TABLE request_logs; --" },
    { name: "" },
  ]) {
    await assert.rejects(listRequestLogs(db, filter as never), (e) => e instanceof AppError);
  }
});

test("stats: one point per bucket with requests and errors", async () => {
  const points = await requestStats(db, "shop", { since: new Date(start), bucket: "minute" });
  assert.ok(points.length >= 30 && points.length <= 32, `${points.length} minute buckets`);
  assert.equal(
    points.reduce((sum, p) => sum + p.requests, 0),
    63,
  );
  assert.equal(
    points.reduce((sum, p) => sum + p.errors, 0),
    7,
  );
  assert.ok(points.every((p, i) => i === 0 || p.at.getTime() - points[i - 1]!.at.getTime() === minute));
  assert.equal(points[0]!.at.getTime() % minute, 0, "buckets start on the minute");
  const hourly = await requestStats(db, "shop", { since: new Date(start - 2 * 3_600_000), bucket: "hour" });
  assert.ok(hourly.length >= 3 && hourly.length <= 4);
  assert.equal(
    hourly.reduce((sum, p) => sum + p.requests, 0),
    63,
  );
  const none = await requestStats(db, "nothing-here", {
    since: new Date(Date.now() - 5 * minute),
    bucket: "minute",
  });
  assert.ok(none.every((p) => p.requests === 0 && p.errors === 0));
  await assert.rejects(
    requestStats(db, "shop", { since: new Date(Date.now() - 30 * 24 * 3_600_000), bucket: "minute" }),
    /shorter period/,
  );
});

test("the per-minute counts follow the log: rows written, ends that make a row an error, rows deleted", async () => {
  const at = new Date(Math.floor(Date.now() / minute) * minute - 10 * minute);
  const row = (path: string, status: number) => ({
    ...base,
    name: "counted",
    at,
    method: "GET",
    path,
    status,
  });
  await db.requestLog.createMany({ data: [row("/a", 200), row("/b", 503), row("/ws", 101), row("/c", 200)] });
  const inMinute = async () =>
    (await requestStats(db, "counted", { since: at, bucket: "minute" })).find(
      (p) => p.at.getTime() === at.getTime(),
    );
  assert.deepEqual(await inMinute(), { at, requests: 4, errors: 1 });
  assert.deepEqual((await requestCounts(db, ["counted", "nothing-here"], at)).get("counted"), {
    requests: 4,
    errors: 1,
  });
  assert.equal((await requestCounts(db, ["nothing-here"], at)).size, 0);

  // A WebSocket's end says the visitor went away: how such connections end, no error; one the
  // app cut short is. A checkpoint that changes neither status nor error changes nothing.
  const ws = await db.requestLog.findFirstOrThrow({ where: { name: "counted", path: "/ws" } });
  await db.requestLog.update({ where: { id: ws.id }, data: { bytesOut: 10n } });
  await db.requestLog.update({ where: { id: ws.id }, data: { error: "client_aborted" } });
  assert.deepEqual(await inMinute(), { at, requests: 4, errors: 1 }, "a visitor leaving is no error");
  await db.requestLog.update({ where: { id: ws.id }, data: { error: "upstream_aborted" } });
  assert.deepEqual(await inMinute(), { at, requests: 4, errors: 2 });

  await db.requestLog.deleteMany({ where: { name: "counted", path: { in: ["/a", "/b"] } } });
  assert.deepEqual(await inMinute(), { at, requests: 2, errors: 1 });
  await db.requestLog.deleteMany({ where: { name: "counted" } });
  assert.deepEqual(await inMinute(), { at, requests: 0, errors: 0 });
  assert.equal(await db.requestStat.count({ where: { name: "counted" } }), 0, "emptied minutes go");
});

test("recent errors: the oldest of the newest minutes that had one, enough to hold the newest few", async () => {
  const now = Math.floor(Date.now() / minute) * minute;
  const row = (name: string, ago: number, status: number) => ({
    ...base,
    name,
    at: new Date(now - ago * minute),
    method: "GET",
    path: `/${ago}`,
    status,
  });
  await db.requestLog.createMany({
    data: [
      row("err-a", 50, 500),
      row("err-a", 40, 200),
      row("err-b", 30, 502),
      row("err-a", 20, 503),
      row("err-b", 5, 200),
    ],
  });
  const since = new Date(now - 60 * minute);
  const from = (count: number) => recentErrorsFrom(db, ["err-a", "err-b"], since, count);
  assert.equal((await from(1))?.getTime(), now - 20 * minute);
  assert.equal((await from(2))?.getTime(), now - 30 * minute);
  assert.equal((await from(8))?.getTime(), now - 50 * minute, "fewer than asked: the oldest there is");
  assert.equal(await recentErrorsFrom(db, ["err-a"], new Date(now - 10 * minute), 8), null);
});

test("an event stream the visitor closed, one closed as its access ended, or a replay Burrow stopped, is no error: not counted, charted or listed as one", async () => {
  const at = new Date(Math.floor(Date.now() / minute) * minute - 5 * minute);
  const row = (path: string, status: number, error: NewRequestLog["error"]) => ({
    ...base,
    name: "left",
    at,
    method: "GET",
    path,
    status,
    error,
  });
  await db.requestLog.createMany({
    data: [
      row("/sse", 200, "client_aborted"),
      row("/gone", 499, "client_aborted"),
      row("/ok", 200, null),
      row("/down", 502, "local_unreachable"),
      row("/cut", 200, "relay_shutdown"),
      // Closed because the owner revoked the visitor's link: asked for, no error either.
      row("/ws", 101, "access_revoked"),
      // Send again of an event stream, read for 30 s and stopped: Burrow's own doing (QA).
      { ...row("/sse-again", 200, "replay_stopped"), admission: "REPLAY" as const },
      // The app sent fewer bytes than its Content-Length: an error, though its head said 200.
      row("/short", 200, "upstream_aborted"),
    ],
  });
  assert.deepEqual((await requestCounts(db, ["left"], at)).get("left"), { requests: 8, errors: 3 });
  const listed = await listRecentErrors(db, ["left"], new Date(at.getTime() - minute), 8);
  assert.deepEqual(listed.map((r) => r.path).sort(), ["/cut", "/down", "/short"]);
  // The log's 5xx finds what the chart and the overview count: the same rows.
  const { rows: fiveXx } = await listRequestLogs(db, { name: "left", status: "5xx" });
  assert.deepEqual(fiveXx.map((r) => r.path).sort(), ["/cut", "/down", "/short"]);
  const { rows: twoXx } = await listRequestLogs(db, { name: "left", status: "200" });
  assert.equal(twoXx.length, 5, "an exact code is the status as logged");
  // isTunnelError, which the log marks rows with, says the same as the database's request_is_error.
  for (const r of await db.requestLog.findMany({ where: { name: "left" } })) {
    const [answer] = await db.$queryRaw<{ counted: boolean }[]>`
      SELECT request_is_error(${r.status}::int, ${r.error}::text) AS counted`;
    assert.equal(isTunnelError(r), answer?.counted, r.path);
  }
  // Still there, with what happened, for its details.
  const sse = await db.requestLog.findFirstOrThrow({ where: { name: "left", path: "/sse" } });
  assert.equal(sse.error, "client_aborted");
  await db.requestLog.deleteMany({
    where: { name: "left", path: { in: ["/sse", "/gone", "/ws", "/sse-again"] } },
  });
  assert.deepEqual((await requestCounts(db, ["left"], at)).get("left"), { requests: 4, errors: 3 });
});

test("rows name the share link the visitor came in with, only while it exists and only its own name's", async () => {
  const user = await db.user.create({ data: { email: "links@example.com", passwordHash: "x" } });
  const shop = await db.reservation.create({ data: { name: "linked", userId: user.id } });
  const other = await db.reservation.create({ data: { name: "linked-other", userId: user.id } });
  const link = (reservationId: string, label: string, tokenHash: string) =>
    db.shareLink.create({ data: { reservationId, label, tokenHash } });
  const ana = await link(shop.id, "for <Ana>", "hash-ana");
  const foreign = await link(other.id, "someone else's", "hash-foreign");
  const gone = await link(shop.id, "deleted", "hash-gone");
  const row = (path: string, shareLinkId: string | null) => ({
    ...base,
    name: "linked",
    method: "GET",
    path,
    status: 200,
    admission: shareLinkId ? ("SHARE_LINK" as const) : ("PUBLIC" as const),
    shareLinkId,
  });
  await db.requestLog.createMany({
    data: [
      row("/ana", ana.id),
      row("/ana-again", ana.id),
      row("/foreign", foreign.id),
      row("/gone", gone.id),
      row("/public", null),
    ],
  });
  await db.shareLink.delete({ where: { id: gone.id } });

  const { rows } = await listRequestLogs(db, { name: "linked" });
  const label = Object.fromEntries(rows.map((r) => [r.path, r.shareLinkLabel]));
  assert.deepEqual(label, {
    "/ana": "for <Ana>",
    "/ana-again": "for <Ana>",
    "/foreign": null,
    "/gone": null,
    "/public": null,
  });
});

test("body search finds text in kept request or response bodies, case-insensitively, bytes as sent", async () => {
  const row = (path: string, requestBody: Buffer | null, responseBody: Buffer | null) => ({
    ...base,
    name: "bodies",
    method: "POST",
    path,
    status: 200,
    requestBody: requestBody && new Uint8Array(requestBody),
    responseBody: responseBody && new Uint8Array(responseBody),
  });
  await db.requestLog.createMany({
    data: [
      row("/order", Buffer.from('{"order":"A-42","note":"50%_off \\\\ café"}'), Buffer.from("created")),
      row("/binary", Buffer.from([0, 1, 2, 0xff, 0x41]), Buffer.from("Webhook OK")),
      row("/none", null, null),
      row("/empty", Buffer.alloc(0), Buffer.from("nothing here")),
    ],
  });
  const paths = async (bodiesContain: string) =>
    (await listRequestLogs(db, { name: "bodies", bodiesContain })).rows.map((r) => r.path);
  assert.deepEqual(await paths("a-42"), ["/order"]);
  assert.deepEqual(await paths("webhook ok"), ["/binary"], "the response body too, any case");
  assert.deepEqual(await paths("50%_off"), ["/order"]);
  assert.deepEqual(await paths("%"), ["/order"], "wildcards are literal");
  assert.deepEqual(await paths("\\ caf"), ["/order"], "a backslash as sent");
  assert.deepEqual(await paths("café"), ["/order"], "non-ASCII text byte for byte");
  assert.deepEqual(await paths("CAFÉ"), ["/order"], "letters beyond ASCII fold too");
  assert.deepEqual(await paths("\u0000\u0001"), ["/binary"]);
  assert.deepEqual(await paths("missing"), []);
  // Combined with the other filters, and paged like any search.
  assert.deepEqual(
    (await listRequestLogs(db, { name: "bodies", bodiesContain: "o", pathContains: "/e" })).rows.map(
      (r) => r.path,
    ),
    ["/empty"],
  );
  const kept = (await listRequestLogs(db, { name: "bodies" })).rows.map((r) => [r.path, r.bodiesKept]);
  assert.deepEqual(kept, [
    ["/empty", true],
    ["/none", false],
    ["/binary", true],
    ["/order", true],
  ]);
});

test("body search finds a form post by its fields as they read: percent-encoded bytes and + for a space decoded", async () => {
  const row = (path: string, contentType: string, body: string) => ({
    ...base,
    name: "forms",
    method: "POST",
    path,
    status: 200,
    requestHeaders: captureHeaders(["Content-Type", contentType]),
    requestBody: new Uint8Array(Buffer.from(body)),
  });
  const form = "application/x-www-form-urlencoded";
  await db.requestLog.createMany({
    data: [
      row("/browser", `${form}; charset=UTF-8`, "name=caf%C3%A9&note=a+b&off=100%25&it=it%27s"),
      row("/script", form, "q=caf%c3%a9%20au%20lait&it=it's"),
      row("/json", "application/json", '{"note":"a+b","name":"caf%C3%A9"}'),
    ],
  });
  const paths = async (bodiesContain: string) =>
    (await listRequestLogs(db, { name: "forms", bodiesContain })).rows.map((r) => r.path);
  assert.deepEqual(await paths("café"), ["/script", "/browser"], "either case of hex");
  assert.deepEqual(await paths("a b"), ["/browser"], "not the JSON, whose + is a plus");
  assert.deepEqual(await paths("café au lait"), ["/script"], "a space sent as %20");
  assert.deepEqual(await paths("name=café"), ["/browser"], "a field with its name");
  assert.deepEqual(await paths("100%"), ["/browser"]);
  assert.deepEqual(await paths("it's"), ["/script", "/browser"], "encoded by one encoder, not another");
  assert.deepEqual(await paths("CAFÉ"), ["/script", "/browser"], "any case, as for any body");
  // As sent still finds them all.
  assert.deepEqual(await paths("caf%C3%A9"), ["/json", "/script", "/browser"]);
  assert.deepEqual(await paths("a+b"), ["/json", "/browser"]);
});

test("bytesEscaped spells every byte the way PostgreSQL's encode(…, 'escape') does", async () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const rows = await db.$queryRaw<{ escaped: string }[]>`SELECT encode(${all}, 'escape') AS escaped`;
  assert.equal(bytesEscaped(all), rows[0]?.escaped);
});

test("a row written open reads as open while its tunnel session lasts, as unrecorded once it ended; refreshed by id", async () => {
  const user = await db.user.create({ data: { email: "open-rows@example.com", passwordHash: "x" } });
  const live = await db.tunnelSession.create({ data: { name: "streams", userId: user.id, clientIp: "::1" } });
  const gone = await db.tunnelSession.create({
    data: {
      name: "streams",
      userId: user.id,
      clientIp: "::1",
      endedAt: new Date(Date.now() - END_GRACE_MS - 1000),
      endReason: "relay_restart",
    },
  });
  // Ended a moment ago: its relay is about to write its connections' ends.
  const ending = await db.tunnelSession.create({
    data: {
      name: "streams",
      userId: user.id,
      clientIp: "::1",
      endedAt: new Date(),
      endReason: "client_closed",
    },
  });
  const row = { ...base, name: "streams", method: "GET", status: 101, upgrade: true };
  const open = await db.requestLog.create({
    data: { ...row, path: "/live", sessionId: live.id, open: true, streamKey: "k1" },
  });
  const lost = await db.requestLog.create({
    data: { ...row, path: "/lost", sessionId: gone.id, open: true, streamKey: "k2" },
  });
  await db.requestLog.create({
    data: { ...row, path: "/closing", sessionId: ending.id, open: true, streamKey: "k3" },
  });
  const done = await db.requestLog.create({ data: { ...row, path: "/done", sessionId: live.id } });
  const states = (await listRequestLogs(db, { name: "streams" })).rows.map((r) => [r.path, r.openState]);
  assert.deepEqual(states, [
    ["/done", null],
    ["/closing", "open"],
    ["/lost", "unrecorded"],
    ["/live", "open"],
  ]);

  await db.requestLog.update({ where: { id: open.id }, data: { open: false, bytesOut: 99n } });
  const refreshed = await refreshRequestLogs(db, "streams", [String(open.id), String(lost.id), "424242"]);
  assert.deepEqual(
    refreshed.map((r) => [r.path, r.openState, r.bytesOut]),
    [
      ["/lost", "unrecorded", 0],
      ["/live", null, 99],
    ],
  );
  assert.deepEqual(await refreshRequestLogs(db, "shop", [String(done.id)]), [], "another name's rows");
  assert.deepEqual(await refreshRequestLogs(db, "streams", []), []);
  await assert.rejects(
    refreshRequestLogs(db, "streams", ["1; DROP TABLE request_logs"]),
    (error) => error instanceof AppError && error.code === "invalid_input",
  );
});

test("a body search reads a window of kept-body bytes at a time, not 100,000 rows of bodies", async () => {
  // Ten rows of 1 KiB kept bodies; only the oldest holds the text.
  const name = "kept-bodies";
  for (let i = 0; i < 10; i++) {
    await db.requestLog.create({
      data: {
        ...base,
        name,
        method: "POST",
        path: `/upload/${i}`,
        status: 200,
        requestBody: Buffer.from((i === 0 ? "needle" : "hay").padEnd(1024, ".")),
      },
    });
  }
  const filter = { name, bodiesContain: "NEEDLE", limit: 50 };
  // 3.5 KiB a window: three rows each; the fourth would pass it.
  const scan = { scanRows: 100_000, scanBodyBytes: 3.5 * 1024 };
  const windows: { paths: string[]; searchedSince: Date | null }[] = [];
  let before: string | undefined;
  do {
    const page = await listRequestLogs(db, { ...filter, before }, scan);
    windows.push({ paths: page.rows.map((r) => r.path), searchedSince: page.searchedSince });
    before = page.nextCursor ?? undefined;
  } while (before);
  assert.deepEqual(
    windows.map((w) => w.paths),
    [[], [], [], ["/upload/0"]],
    "10 rows, 3 a window: the match is in the fourth",
  );
  assert.deepEqual(
    windows.map((w) => w.searchedSince !== null),
    [true, true, true, false],
  );
  // The download and `burrow logs` walk the same windows.
  const pages = [];
  for await (const page of searchRequestLogs(db, filter, { pageRows: 50, ...scan })) pages.push(page);
  assert.deepEqual(
    pages.map((p) => p.rows.map((r) => r.path)),
    [[], [], [], ["/upload/0"]],
  );
  // Other filters still go by rows only.
  const byPath = await listRequestLogs(db, { name, pathContains: "/upload/0", limit: 50 }, scan);
  assert.deepEqual(
    byPath.rows.map((r) => r.path),
    ["/upload/0"],
  );
});
