import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { LogFields, Logger } from "../lib/logger.ts";
import { REQUEST_LOG_CHANNEL } from "../lib/request-logs/announcements.ts";
import { BODY_KEEP_BYTES } from "../lib/request-logs/bodies.ts";
import { finishLogDeletion, startLogDeletion } from "../lib/request-logs/deletions.ts";
import { captureHeaders, parseStoredHeaders } from "../lib/request-logs/headers.ts";
import type { NewRequestLog, RequestLogEnd } from "../lib/request-logs/row.ts";
import { createTestDatabase, type TestDatabase } from "../lib/testing/db.ts";
import { createLogPool, type LogPool, prismaSqlRunner, type SqlRunner } from "./log-database.ts";
import { LogSpool } from "./log-spool.ts";
import { createLogWriter } from "./log-writer.ts";
import { startTcpProxy } from "./testing/tcp-proxy.ts";

let testDb: TestDatabase;
let pool: LogPool;
before(async () => {
  testDb = await createTestDatabase("logwriter");
  pool = createLogPool(testDb.url);
});
after(async () => {
  await pool.end();
  await testDb.drop();
});

function row(i: number, overrides: Partial<NewRequestLog> = {}): NewRequestLog {
  return {
    at: new Date(),
    name: "myapp",
    sessionId: null,
    method: "GET",
    path: `/r/${i}`,
    status: 200,
    durationMs: 1.25,
    bytesIn: 10,
    bytesOut: 20,
    clientIp: "203.0.113.5",
    userAgent: "test",
    upgrade: false,
    admission: "PUBLIC",
    shareLinkId: null,
    error: null,
    accessPage: null,
    requestHeaders: null,
    responseHeaders: null,
    responseBodyDecoded: null,
    replayOf: null,
    requestBody: null,
    responseBody: null,
    open: false,
    streamKey: null,
    frameTimes: null,
    ...overrides,
  };
}

/** A logger that keeps what it is told, to count warnings. */
function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: LogFields }[] } {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const logger = {
    lines,
    info: (message: string, fields?: LogFields) => lines.push({ level: "info", message, fields }),
    warn: (message: string, fields?: LogFields) => lines.push({ level: "warn", message, fields }),
    error: (message: string, fields?: LogFields) => lines.push({ level: "error", message, fields }),
    child: () => logger,
  };
  return logger;
}

/** The test database behind a TCP proxy that can be cut (an outage) and restored. */
async function startSwitchablePostgres(target: URL) {
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  return {
    url: url.toString(),
    down: () => proxy.cut(),
    hang: () => proxy.hang(),
    up: () => proxy.restore(),
    loseAnswer: (marker: string, options?: { cut?: boolean }) => proxy.loseAnswer(marker, options),
    close: () => proxy.close(),
  };
}

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// The relay writes through its own pg pool (with COPY); an edge built without a connection string
// goes through the Prisma client (an INSERT). Both must store the same rows.
const runners: Array<[string, () => SqlRunner]> = [
  ["the log pool", () => pool],
  ["the Prisma client", () => prismaSqlRunner(testDb.db)],
];
for (const [via, runner] of runners)
  test(`rows are written in batches with every field, through ${via}`, async () => {
    const name = `batches-${via.replaceAll(" ", "-")}`;
    const writer = createLogWriter({
      sql: runner(),
      maxQueue: 10_000,
      logger: recordingLogger(),
      batchSize: 100,
    });
    for (let i = 0; i < 250; i++) writer.push(row(i, { name }));
    writer.push(
      row(999, {
        name,
        method: "POST",
        status: 502,
        durationMs: 12.5,
        bytesIn: 5_000_000_000,
        bytesOut: 7,
        userAgent: null,
        upgrade: true,
        error: "local_unreachable",
        admission: "DENIED",
        accessPage: "link_expired",
        // Ids are stored as given, even one whose session is gone (user deleted): no foreign key.
        sessionId: "no-such-session",
      }),
    );
    await writer.flush();
    assert.deepEqual(writer.stats(), { queued: 0, written: 251, dropped: 0 });
    assert.equal(await testDb.db.requestLog.count({ where: { name } }), 251);
    const last = await testDb.db.requestLog.findFirstOrThrow({ where: { name, path: "/r/999" } });
    assert.equal(last.method, "POST");
    assert.equal(last.status, 502);
    assert.equal(last.durationMs, 12.5);
    assert.equal(last.bytesIn, 5_000_000_000n);
    assert.equal(last.bytesOut, 7n);
    assert.equal(last.userAgent, null);
    assert.equal(last.upgrade, true);
    assert.equal(last.error, "local_unreachable");
    assert.equal(last.sessionId, "no-such-session");
    assert.equal(last.admission, "DENIED");
    assert.equal(last.accessPage, "link_expired");
    assert.equal(
      (await testDb.db.requestLog.findFirstOrThrow({ where: { name, path: "/r/0" } })).accessPage,
      null,
    );
    await writer.close();
  });

/** Values COPY's text format and SQL give meaning to, which must be stored as they are. */
const HOSTILE = [
  "/tab\there/new\nline\r\nend",
  "/back\\slash\\N\\t",
  "\\N",
  "/'); DROP TABLE request_logs; --",
  '/<script>alert("x")</script>?q=<b>&amp;',
  "/ünïcødé/😀/\u2028",
];
for (const [via, runner] of runners)
  test(`paths, user agents and headers with tabs, newlines, backslashes, SQL and HTML are stored verbatim, through ${via}`, async () => {
    const name = `verbatim-${via.replaceAll(" ", "-")}`;
    const writer = createLogWriter({ sql: runner(), maxQueue: 100, logger: recordingLogger() });
    HOSTILE.forEach((value, i) => {
      writer.push(
        row(i, {
          name,
          path: value,
          userAgent: value,
          clientIp: value,
          requestHeaders: captureHeaders(["X-Value", value]),
          responseHeaders: captureHeaders([value, "v"]),
        }),
      );
    });
    await writer.flush();
    assert.equal(writer.stats().written, HOSTILE.length);
    const stored = await testDb.db.requestLog.findMany({ where: { name }, orderBy: { id: "asc" } });
    assert.deepEqual(
      stored.map((r) => [r.path, r.userAgent, r.clientIp]),
      HOSTILE.map((value) => [value, value, value]),
    );
    assert.deepEqual(
      stored.map((r) => [parseStoredHeaders(r.requestHeaders), parseStoredHeaders(r.responseHeaders)]),
      HOSTILE.map((value) => [[["X-Value", value]], [[value, "v"]]]),
    );
    await writer.close();
  });

/** Every byte value, and a body as large as the relay keeps. */
const BODIES = [
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.alloc(0),
  randomBytes(BODY_KEEP_BYTES),
];
for (const [via, runner] of runners)
  test(`kept bodies and a replay's original are stored as queued (every byte value, empty, 64 KiB), through ${via}`, async () => {
    const name = `bodies-${via.replaceAll(" ", "-")}`;
    const writer = createLogWriter({ sql: runner(), maxQueue: 100, logger: recordingLogger() });
    BODIES.forEach((body, i) => {
      writer.push(
        row(i, {
          name,
          requestBody: body.toString("hex"),
          responseBody: Buffer.from(body).reverse().toString("hex"),
          responseBodyDecoded: Buffer.concat([body, body]).toString("hex"),
          // Beyond a double's precision: the id must travel as text, not as a JSON number.
          replayOf: String(9007199254740993n + BigInt(i)),
        }),
      );
    });
    writer.push(row(9, { name }));
    await writer.flush();
    const stored = await testDb.db.requestLog.findMany({
      where: { name },
      orderBy: { id: "asc" },
      select: { requestBody: true, responseBody: true, responseBodyDecoded: true, replayOf: true },
    });
    assert.deepEqual(
      stored.map((r) => [
        r.requestBody && Buffer.from(r.requestBody),
        r.responseBody && Buffer.from(r.responseBody),
        r.responseBodyDecoded && Buffer.from(r.responseBodyDecoded),
        r.replayOf,
      ]),
      [
        ...BODIES.map((body, i) => [
          body,
          Buffer.from(body).reverse(),
          Buffer.concat([body, body]),
          9007199254740993n + BigInt(i),
        ]),
        [null, null, null, null],
      ],
    );
    await writer.close();
  });

test("beyond the memory set aside for bodies, rows are queued without them (one warning) and still written", async () => {
  const name = "body-budget";
  const logger = recordingLogger();
  const writer = createLogWriter({ sql: pool, maxQueue: 100, logger, maxBodyChars: 10_000 });
  const body = "ab".repeat(2_000); // 4,000 hex characters each way: one row fits, the second does not
  for (let i = 0; i < 3; i++) writer.push(row(i, { name, requestBody: body, responseBody: body }));
  await writer.close();
  const stored = await testDb.db.requestLog.findMany({
    where: { name },
    orderBy: { id: "asc" },
    select: { requestBody: true },
  });
  assert.deepEqual(
    stored.map((r) => r.requestBody !== null),
    [true, false, false],
  );
  assert.equal(logger.lines.filter((l) => l.message.includes("without them")).length, 1);
  // Written rows give their share back: the next rows' bodies are kept again.
  const again = createLogWriter({ sql: pool, maxQueue: 100, logger, maxBodyChars: 10_000 });
  for (let i = 0; i < 2; i++) {
    again.push(row(i, { name: `${name}-2`, requestBody: body, responseBody: body }));
    await again.flush();
  }
  await again.close();
  assert.equal(
    await testDb.db.requestLog.count({ where: { name: `${name}-2`, requestBody: { not: null } } }),
    2,
  );
});

test("a batch of many COPY chunks (multi-byte text, one row over a chunk's size) is stored whole and in order", async () => {
  const name = "chunked";
  const writer = createLogWriter({ sql: pool, maxQueue: 10_000, logger: recordingLogger() });
  // ~1.5 KB a row in UTF-8 (2- and 4-byte characters), so a chunk's end falls inside many rows' worth.
  const padding = "ü😀".repeat(250);
  for (let i = 0; i < 400; i++) writer.push(row(i, { name, path: `/c/${i}/${padding}` }));
  const huge = `[["X-Big","${"ß".repeat(70_000)}"]]`;
  writer.push(row(400, { name, path: "/c/huge", requestHeaders: huge }));
  writer.push(row(401, { name, path: "/c/after" }));
  await writer.flush();
  const stored = await testDb.db.requestLog.findMany({
    where: { name },
    orderBy: { id: "asc" },
    select: { path: true, requestHeaders: true },
  });
  assert.equal(stored.length, 402);
  assert.deepEqual(
    stored.slice(0, 400).map((r) => r.path),
    Array.from({ length: 400 }, (_, i) => `/c/${i}/${padding}`),
  );
  assert.equal(stored[400]!.requestHeaders, huge);
  assert.equal(stored[401]!.path, "/c/after");
  await writer.close();
});

test("the timer writes queued rows without a flush call", async () => {
  const name = "timer";
  const writer = createLogWriter({
    sql: pool,
    maxQueue: 100,
    logger: recordingLogger(),
    flushIntervalMs: 50,
  });
  writer.push(row(1, { name }));
  await until(async () => (await testDb.db.requestLog.count({ where: { name } })) === 1, "the timed write");
  await writer.close();
});

test("a row after a quiet spell is written at once; rows right after it wait for the interval", async () => {
  const name = "prompt";
  let inserts = 0;
  const counting: SqlRunner = {
    query: (text, values) => pool.query(text, values),
    copyFrom: async (statement, data) => {
      inserts += 1;
      await pool.copyFrom(statement, data);
    },
  };
  const writer = createLogWriter({
    sql: counting,
    maxQueue: 100,
    logger: recordingLogger(),
    flushIntervalMs: 60_000,
  });
  try {
    writer.push(row(1, { name }));
    // Not a minute: the first row after nothing is written within moments.
    await until(
      async () => (await testDb.db.requestLog.count({ where: { name } })) === 1,
      "the prompt write",
      5_000,
    );
    for (let i = 2; i <= 4; i++) writer.push(row(i, { name }));
    await sleep(500);
    assert.equal(inserts, 1, "a burst right after a write waits for the next interval");
    assert.equal(writer.stats().queued, 3);
  } finally {
    await writer.close();
  }
  assert.equal(inserts, 2);
  assert.equal(await testDb.db.requestLog.count({ where: { name } }), 4);
});

for (const [via, runner] of runners)
  test(`each write announces the names it wrote rows for, once each, through ${via}`, async () => {
    const listener = new pg.Client({ connectionString: testDb.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (message) => {
      if (message.channel === REQUEST_LOG_CHANNEL) heard.push(message.payload ?? "");
    });
    await listener.query(`LISTEN ${REQUEST_LOG_CHANNEL}`);
    const writer = createLogWriter({ sql: runner(), maxQueue: 100, logger: recordingLogger() });
    try {
      const suffix = via.replaceAll(" ", "-");
      for (const name of ["one", "two", "one", "one"]) writer.push(row(1, { name: `${name}-${suffix}` }));
      await writer.flush();
      await until(() => heard.length >= 2, "two announcements");
      await sleep(200);
      assert.deepEqual(heard.sort(), [`one-${suffix}`, `two-${suffix}`]);
    } finally {
      await writer.close();
      await listener.end();
    }
  });

test("while the database is down rows are kept up to the cap, then dropped and counted; they are written after recovery", async () => {
  const name = "outage";
  const pg = await startSwitchablePostgres(new URL(testDb.url));
  const outagePool = createLogPool(pg.url);
  const logger = recordingLogger();
  const writer = createLogWriter({
    sql: outagePool,
    maxQueue: 50,
    logger,
    flushIntervalMs: 20,
    reportIntervalMs: 60_000,
  });
  try {
    writer.push(row(0, { name }));
    await writer.flush();
    assert.equal(writer.stats().written, 1, "written while the database is up");

    pg.down();
    for (let i = 1; i <= 80; i++) writer.push(row(i, { name }));
    // Let several timed attempts fail.
    await until(
      () => logger.lines.some((l) => l.message.includes("cannot write")),
      "the outage to be noticed",
    );
    await sleep(300);
    assert.deepEqual(writer.stats(), { queued: 50, written: 1, dropped: 30 });
    assert.equal(
      logger.lines.filter((l) => l.message.includes("cannot write")).length,
      1,
      "the outage is logged once, not per attempt",
    );
    const dropLines = logger.lines.filter((l) => l.message.includes("rows dropped"));
    assert.equal(dropLines.length, 1, "drops are reported once per interval, not per row");
    assert.equal(dropLines[0]?.fields?.dropped, 30);

    pg.up();
    await until(() => writer.stats().queued === 0, "the queue to drain after recovery");
    assert.deepEqual(writer.stats(), { queued: 0, written: 51, dropped: 30 });
    assert.equal(await testDb.db.requestLog.count({ where: { name } }), 51);
    // The kept rows are the oldest ones, in order.
    const paths = (
      await testDb.db.requestLog.findMany({ where: { name }, orderBy: { id: "asc" }, select: { path: true } })
    ).map((r) => r.path);
    assert.deepEqual(
      paths,
      Array.from({ length: 51 }, (_, i) => `/r/${i}`),
    );
    assert.ok(logger.lines.some((l) => l.message.includes("reachable again")));
  } finally {
    await writer.close();
    await outagePool.end();
    await pg.close();
  }
});

test("a batch the database refuses is dropped and counted, and does not block later rows", async () => {
  const name = "refused";
  const logger = recordingLogger();
  const writer = createLogWriter({
    sql: pool,
    maxQueue: 100,
    logger,
    batchSize: 1,
    flushIntervalMs: 60_000,
  });
  // Out of range for the int column: the database refuses it however often it is retried.
  writer.push(row(1, { name, status: 2 ** 40 }));
  writer.push(row(2, { name }));
  await writer.flush();
  assert.deepEqual(writer.stats(), { queued: 0, written: 1, dropped: 1 });
  assert.equal(await testDb.db.requestLog.count({ where: { name } }), 1);
  assert.ok(logger.lines.some((l) => l.level === "error" && l.message.includes("refused rows")));
  await writer.close();
  // Said once, as what it was: not also as rows a full queue dropped.
  assert.ok(!logger.lines.some((l) => l.message.includes("queue full")), JSON.stringify(logger.lines));
});

test("close() with the database down reports the rows it could not write as lost, once", async () => {
  const pg = await startSwitchablePostgres(new URL(testDb.url));
  const outagePool = createLogPool(pg.url);
  const logger = recordingLogger();
  const writer = createLogWriter({ sql: outagePool, maxQueue: 2, logger, flushIntervalMs: 60_000 });
  try {
    pg.down();
    for (let i = 0; i < 3; i++) writer.push(row(i, { name: "lost-on-close" }));
    await writer.close();
    assert.deepEqual(writer.stats(), { queued: 0, written: 0, dropped: 3 });
    const warnings = logger.lines.filter((l) => l.level === "warn").map((l) => [l.message, l.fields]);
    assert.deepEqual(warnings.slice(-2), [
      ["request log: queue full, rows dropped", { dropped: 1, droppedTotal: 1, queued: 2 }],
      ["request log: closing with rows not written", { lost: 2 }],
    ]);
  } finally {
    await outagePool.end();
    await pg.close();
  }
});

test("close() writes what is queued and drops later pushes", async () => {
  const name = "close";
  const writer = createLogWriter({
    sql: pool,
    maxQueue: 100,
    logger: recordingLogger(),
    flushIntervalMs: 60_000,
  });
  for (let i = 0; i < 5; i++) writer.push(row(i, { name }));
  await writer.close();
  assert.equal(await testDb.db.requestLog.count({ where: { name } }), 5);
  writer.push(row(6, { name }));
  assert.deepEqual(writer.stats(), { queued: 0, written: 5, dropped: 1 });
  await writer.close();
});

// ---- The spool: rows of an outage survive a stop or a crash of the relay (log-spool.ts) ----

/** A database that never answers, like one down for the whole life of a relay that then crashes. */
const UNREACHABLE: SqlRunner = {
  query: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
};

function spoolIn(dir: string, logger: Logger = recordingLogger()): LogSpool {
  return new LogSpool(join(dir, "spool", "request-log-spool.jsonl"), logger);
}

/** Reserves `name` for a user, an hour ago: rows an earlier run left are written only for their name's owner. */
async function reserved(name: string): Promise<void> {
  const user = await testDb.db.user.create({ data: { email: `${name}@example.com`, passwordHash: "x" } });
  await testDb.db.reservation.create({
    data: { name, userId: user.id, createdAt: new Date(Date.now() - 3_600_000) },
  });
}

function spooledPaths(spool: LogSpool): string[] {
  return existsSync(spool.file)
    ? readFileSync(spool.file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { path: string }).path)
    : [];
}

async function storedPaths(name: string): Promise<string[]> {
  const rows = await testDb.db.requestLog.findMany({
    where: { name },
    orderBy: { id: "asc" },
    select: { path: true },
  });
  return rows.map((r) => r.path);
}

test("stopped during an outage: the queued rows are kept on disk, and the next start writes them once", async () => {
  const name = "spool-stop";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const logger = recordingLogger();
  try {
    const first = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger,
      spool: spoolIn(dir),
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 5; i++)
      first.push(row(i, { name, admission: "SHARE_LINK", accessPage: "link_opened", requestBody: "00ff0a" }));
    await first.close();
    assert.deepEqual(first.stats(), { queued: 0, written: 0, dropped: 0 }, "nothing counted as lost");
    const kept = logger.lines.find((l) => l.message.includes("rows kept for the next start"));
    assert.equal(kept?.fields?.rows, 5);
    assert.ok(!logger.lines.some((l) => l.message.includes("closing with rows not written")));
    assert.deepEqual(spooledPaths(spoolIn(dir)), ["/r/0", "/r/1", "/r/2", "/r/3", "/r/4"]);

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await storedPaths(name)).length === 5, "the kept rows to be written");
    await next.flush();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1", "/r/2", "/r/3", "/r/4"]);
    const stored = await testDb.db.requestLog.findFirstOrThrow({ where: { name, path: "/r/4" } });
    assert.equal(stored.admission, "SHARE_LINK");
    assert.equal(stored.accessPage, "link_opened");
    const bodies = await testDb.db.requestLog.findFirstOrThrow({
      where: { name, path: "/r/4" },
      select: { requestBody: true, responseBody: true },
    });
    assert.deepEqual(
      Buffer.from(bodies.requestBody!),
      Buffer.from([0, 255, 10]),
      "a kept body survives the spool",
    );
    assert.equal(bodies.responseBody, null);
    assert.equal(existsSync(spoolIn(dir).file), false, "the spool is gone once its rows are stored");
    await next.close();
    assert.equal((await storedPaths(name)).length, 5, "written once");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rows queued as COPY data while the database was up are kept whole through an outage and a stop", async () => {
  const name = "spool-copied";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  // Can COPY, so rows go into blocks at first; the database is gone when the write comes.
  const gone: SqlRunner = {
    query: UNREACHABLE.query,
    copyFrom: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
  };
  const tricky = ["/tab\there", "/back\\slash", "/new\nline", "/é😀", "/'; DROP TABLE x; --"];
  try {
    const first = createLogWriter({
      sql: gone,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    for (const [i, path] of tricky.entries())
      first.push(
        row(i, { name, path, userAgent: i === 0 ? null : "ua\tx", replayOf: i === 1 ? "42" : null }),
      );
    await first.close();
    assert.deepEqual(spooledPaths(spoolIn(dir)), tricky);

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(
      async () => (await storedPaths(name)).length === tricky.length,
      "the kept rows to be written",
    );
    await next.close();
    const stored = await testDb.db.requestLog.findMany({ where: { name }, orderBy: { id: "asc" } });
    assert.deepEqual(
      stored.map((r) => [r.path, r.userAgent, r.replayOf]),
      tricky.map((path, i) => [path, i === 0 ? null : "ua\tx", i === 1 ? 42n : null]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an outage with a queue far larger than the default keeps every row (no argument-list limit on moving them)", async () => {
  const gone: SqlRunner = {
    query: UNREACHABLE.query,
    copyFrom: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
  };
  const rows = 200_000;
  const writer = createLogWriter({
    sql: gone,
    maxQueue: rows,
    logger: recordingLogger(),
    flushIntervalMs: 60_000,
  });
  for (let i = 0; i < rows; i += 1) writer.push(row(i, { name: "big-queue" }));
  await writer.flush();
  assert.deepEqual(writer.stats(), { queued: rows, written: 0, dropped: 0 });
  await writer.close();
});

test("a row that cannot be written (an invalid date) never makes push throw; it is refused and counted, others are stored", async () => {
  const name = "invalid-date";
  const logger = recordingLogger();
  const writer = createLogWriter({ sql: pool, maxQueue: 100, logger, flushIntervalMs: 60_000 });
  writer.push(row(0, { name }));
  assert.doesNotThrow(() => writer.push(row(1, { name: "invalid-date-bad", at: new Date(Number.NaN) })));
  writer.push(row(2, { name: "invalid-date-other" }));
  await writer.flush();
  assert.deepEqual(await storedPaths(name), ["/r/0"]);
  assert.deepEqual(await storedPaths("invalid-date-other"), ["/r/2"]);
  assert.deepEqual(writer.stats(), { queued: 0, written: 2, dropped: 1 });
  assert.ok(logger.lines.some((l) => l.message.includes("refused rows")));
  await writer.close();
});

test("a name's rows are stored in the order they came, those with bodies among them; other names' plain rows do not wait", async () => {
  const name = "in-order";
  const writer = createLogWriter({
    sql: pool,
    maxQueue: 100,
    logger: recordingLogger(),
    flushIntervalMs: 60_000,
  });
  writer.push(row(0, { name }));
  writer.push(row(1, { name, requestBody: "0a" }));
  writer.push(row(2, { name }));
  writer.push(row(3, { name: "in-order-other" }));
  writer.push(row(4, { name }));
  assert.equal(writer.stats().queued, 5);
  await writer.flush();
  assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1", "/r/2", "/r/4"]);
  assert.deepEqual(await storedPaths("in-order-other"), ["/r/3"]);
  assert.deepEqual(writer.stats(), { queued: 0, written: 5, dropped: 0 });
  await writer.close();
});

test("a crash during an outage loses none of the rows queued before the last retry", async () => {
  const name = "spool-crash";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const logger = recordingLogger();
  try {
    // Never closed: the process "crashed" with this writer still failing.
    const crashed = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger,
      spool: spoolIn(dir),
      flushIntervalMs: 20,
    });
    for (let i = 0; i < 3; i++) crashed.push(row(i, { name }));
    await until(
      () => spooledPaths(spoolIn(dir)).length === 3,
      "the rows to be spooled when the outage is noticed",
    );
    for (let i = 3; i < 6; i++) crashed.push(row(i, { name }));
    await until(() => spooledPaths(spoolIn(dir)).length === 6, "later rows to be spooled at the next retry");

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await storedPaths(name)).length === 6, "the spooled rows to be written");
    assert.deepEqual(
      await storedPaths(name),
      Array.from({ length: 6 }, (_, i) => `/r/${i}`),
    );
    await next.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a crash in the middle of writing spooled rows back writes none of them twice", async () => {
  const name = "spool-half";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  try {
    const first = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    for (let i = 0; i < 5; i++) first.push(row(i, { name }));
    await first.close();

    // Writes the first batch, then hangs on the second, and the process dies there.
    let inserts = 0;
    const stalling: SqlRunner = {
      query: (text, values) =>
        text.includes("INSERT") && ++inserts > 1 ? new Promise(() => {}) : pool.query(text, values),
    };
    createLogWriter({
      sql: stalling,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
      batchSize: 2,
    });
    await until(async () => (await storedPaths(name)).length === 2, "the first batch to be written");
    await until(() => spooledPaths(spoolIn(dir)).length === 3, "the spool to lose the written batch");

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await storedPaths(name)).length >= 5, "the rest to be written");
    await next.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1", "/r/2", "/r/3", "/r/4"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a spool line cut short by a crash is skipped with a warning; the rows before it are written", async () => {
  const name = "spool-torn";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  try {
    const spool = spoolIn(dir);
    await spool.append([row(0, { name }), row(1, { name })]);
    appendFileSync(spool.file, JSON.stringify(row(2, { name })).slice(0, 40));
    const logger = recordingLogger();
    const next = createLogWriter({ sql: pool, maxQueue: 100, logger, spool: spoolIn(dir, logger) });
    await until(async () => (await storedPaths(name)).length === 2, "the readable rows to be written");
    await next.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1"]);
    const warning = logger.lines.find((l) => l.message.includes("unreadable lines"));
    assert.equal(warning?.fields?.lines, 1);
    assert.equal(existsSync(spool.file), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rows an earlier run left are written only where their name is still their owner's (not after a release, a new owner or a deleted account)", async () => {
  const db = testDb.db;
  const user = (email: string) => db.user.create({ data: { email, passwordHash: "x" } });
  const [owner, randomUser, goneUser] = await Promise.all([
    user("left-owner@example.com"),
    user("left-random@example.com"),
    user("left-gone@example.com"),
  ]);
  const hourAgo = new Date(Date.now() - 3_600_000);
  const kept = await db.reservation.create({
    data: { name: "left-kept", userId: owner.id, createdAt: hourAgo },
  });
  await db.reservation.create({ data: { name: "left-released", userId: owner.id, createdAt: hourAgo } });
  await db.reservation.create({ data: { name: "left-gone", userId: goneUser.id, createdAt: hourAgo } });
  const session = (name: string, userId: string, randomName = false) =>
    db.tunnelSession.create({
      data: { name, userId, clientIp: "203.0.113.9", randomName, startedAt: hourAgo },
      select: { id: true },
    });
  const ownTunnel = await session("left-kept", owner.id);
  const randomTunnel = await session("left-rnd", randomUser.id, true);
  const goneTunnel = await session("left-gone", goneUser.id);
  const releasedTunnel = await session("left-released", owner.id);

  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const logger = recordingLogger();
  try {
    // The relay stops during an outage with rows of each name spooled.
    const first = createLogWriter({ sql: UNREACHABLE, maxQueue: 100, logger, spool: spoolIn(dir) });
    first.push(row(0, { name: "left-kept", sessionId: ownTunnel.id }));
    first.push(row(1, { name: "left-kept", accessPage: "password_asked" }));
    first.push(row(2, { name: "left-rnd", sessionId: randomTunnel.id }));
    first.push(row(3, { name: "left-gone", sessionId: goneTunnel.id }));
    first.push(row(4, { name: "left-released", sessionId: releasedTunnel.id }));
    first.push(row(5, { name: "left-released" }));
    await first.close();
    assert.equal(spooledPaths(spoolIn(dir)).length, 6);

    // Meanwhile: left-released is released and someone else reserves it; left-gone's account goes.
    await db.reservation.delete({ where: { name: "left-released" } });
    await db.reservation.create({ data: { name: "left-released", userId: randomUser.id } });
    await db.user.delete({ where: { id: goneUser.id } });

    const next = createLogWriter({ sql: pool, maxQueue: 100, logger, spool: spoolIn(dir) });
    await until(async () => (await storedPaths("left-kept")).length === 2, "the owner's rows to be written");
    await next.flush();
    assert.deepEqual(await storedPaths("left-kept"), ["/r/0", "/r/1"]);
    assert.deepEqual(
      await storedPaths("left-rnd"),
      ["/r/2"],
      "a random name's rows, its tunnel's row still there",
    );
    assert.deepEqual(await storedPaths("left-gone"), [], "the account was deleted");
    assert.deepEqual(await storedPaths("left-released"), [], "the name's new owner does not get them");
    const dropped = logger.lines.find((l) => l.message.includes("changed hands"));
    assert.equal(dropped?.fields?.rows, 3);
    assert.equal(existsSync(spoolIn(dir).file), false, "the spool is gone");
    assert.equal(kept.userId, owner.id);
    await next.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rows kept through a database outage that are older than a Delete all made meanwhile are dropped, not written back", async () => {
  const name = "cleared-in-outage";
  await reserved(name);
  const pg = await startSwitchablePostgres(new URL(testDb.url));
  const outagePool = createLogPool(pg.url);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const logger = recordingLogger();
  const writer = createLogWriter({
    sql: outagePool,
    maxQueue: 1_000,
    logger,
    flushIntervalMs: 20,
    spool: spoolIn(dir),
  });
  try {
    writer.push(row(0, { name }));
    await writer.flush();
    // The relay loses the database; its rows wait, in memory and in the spool.
    pg.down();
    for (let i = 1; i <= 5; i++) writer.push(row(i, { name, at: new Date(Date.now() - 1_000) }));
    await until(
      () => logger.lines.some((l) => l.message.includes("cannot write")),
      "the outage to be noticed",
    );
    await until(() => spooledPaths(spoolIn(dir)).length === 5, "the rows to be spooled");
    // The owner deletes the log from the dashboard, which still reaches the database.
    await startLogDeletion(testDb.db, name, "all");
    await finishLogDeletion(testDb.db, name);
    assert.deepEqual(await storedPaths(name), []);
    // A request after that is the log's first.
    writer.push(row(6, { name }));
    pg.up();
    await until(() => writer.stats().queued === 0, "the queue to drain after recovery");
    assert.deepEqual(await storedPaths(name), ["/r/6"], "the deleted requests do not come back");
    await until(() => !existsSync(spoolIn(dir).file), "the spool to be emptied (nor do they stay there)");
    const dropped = logger.lines.find((l) => l.message.includes("log was deleted after they were logged"));
    assert.equal(dropped?.fields?.rows, 5);
  } finally {
    await writer.close();
    await outagePool.end();
    await pg.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rows an earlier run left that are older than their name's last Delete all are dropped at the next start", async () => {
  const name = "cleared-while-stopped";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const logger = recordingLogger();
  try {
    const first = createLogWriter({ sql: UNREACHABLE, maxQueue: 100, logger, spool: spoolIn(dir) });
    first.push(row(0, { name, at: new Date(Date.now() - 1_000) }));
    await first.close();
    assert.deepEqual(spooledPaths(spoolIn(dir)), ["/r/0"]);
    await startLogDeletion(testDb.db, name, "all");
    const next = createLogWriter({ sql: pool, maxQueue: 100, logger, spool: spoolIn(dir) });
    next.push(row(1, { name }));
    await until(async () => (await storedPaths(name)).length === 1, "the new row to be written");
    await next.flush();
    assert.deepEqual(await storedPaths(name), ["/r/1"]);
    await next.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a spool that cannot be written is given up with one warning; the writer goes on in memory", async () => {
  const name = "spool-broken";
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  try {
    // The spool's directory is a file: every write fails.
    writeFileSync(join(dir, "spool"), "not a directory");
    const logger = recordingLogger();
    const writer = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger,
      spool: spoolIn(dir, logger),
      flushIntervalMs: 20,
    });
    for (let i = 0; i < 3; i++) writer.push(row(i, { name }));
    await until(
      () => logger.lines.some((l) => l.message.includes("cannot write the spool file")),
      "the failure",
    );
    await sleep(600); // a retry or two: still one warning
    await writer.close();
    assert.equal(logger.lines.filter((l) => l.message.includes("spool file")).length, 1);
    assert.ok(logger.lines.some((l) => l.message.includes("closing with rows not written")));
    assert.deepEqual(writer.stats(), { queued: 0, written: 0, dropped: 3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a spool given up during the run (a full disk) is written whole at shutdown once there is room again", async () => {
  const name = "spool-room-again";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  try {
    // The spool's directory is a file, as a full disk: every write during the run fails.
    writeFileSync(join(dir, "spool"), "not a directory");
    const logger = recordingLogger();
    const writer = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger,
      spool: spoolIn(dir, logger),
      flushIntervalMs: 20,
    });
    for (let i = 0; i < 3; i++) writer.push(row(i, { name }));
    await until(
      () => logger.lines.some((l) => l.message.includes("cannot write the spool file")),
      "the failure",
    );
    writer.push(row(3, { name }));
    // The operator makes room, then restarts Burrow while the database is still away.
    rmSync(join(dir, "spool"));
    await writer.close();
    assert.deepEqual(spooledPaths(spoolIn(dir)), ["/r/0", "/r/1", "/r/2", "/r/3"]);
    assert.ok(logger.lines.some((l) => l.message.includes("rows kept for the next start")));
    assert.ok(!logger.lines.some((l) => l.message.includes("closing with rows not written")));
    assert.deepEqual(writer.stats(), { queued: 0, written: 0, dropped: 0 });

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await storedPaths(name)).length === 4, "the kept rows to be written");
    await next.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1", "/r/2", "/r/3"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a database that stops answering (packets dropped) is an outage: rows are spooled, kept at close and written once", async () => {
  const name = "spool-hung";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const database = await startSwitchablePostgres(new URL(testDb.url));
  const hungPool = createLogPool(database.url, { queryTimeoutMs: 1_000 });
  try {
    const logger = recordingLogger();
    const writer = createLogWriter({
      sql: hungPool,
      maxQueue: 100,
      logger,
      spool: spoolIn(dir, logger),
      flushIntervalMs: 20,
    });
    writer.push(row(0, { name }));
    await until(async () => (await storedPaths(name)).length === 1, "a row written while it answers");
    database.hang();
    for (let i = 1; i < 4; i++) writer.push(row(i, { name }));
    await until(() => spooledPaths(spoolIn(dir)).length === 3, "the rows to be spooled", 20_000);
    assert.ok(logger.lines.some((l) => l.message.includes("cannot write to the database")));
    await writer.close();
    assert.deepEqual(spooledPaths(spoolIn(dir)), ["/r/1", "/r/2", "/r/3"]);
    assert.deepEqual(writer.stats().dropped, 0, "nothing refused or lost");

    database.up();
    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await storedPaths(name)).length === 4, "the kept rows to be written");
    await next.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1", "/r/2", "/r/3"], "each once");
  } finally {
    database.up();
    await hungPool.end();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a connection cut during a write, with the database back by the time it is checked, keeps its rows", async () => {
  const name = "cut-mid-write";
  const database = await startSwitchablePostgres(new URL(testDb.url));
  const cutPool = createLogPool(database.url);
  try {
    const logger = recordingLogger();
    const writer = createLogWriter({ sql: cutPool, maxQueue: 100, logger, flushIntervalMs: 20 });
    writer.push(row(0, { name }));
    await until(async () => (await storedPaths(name)).length === 1, "a row written while it answers");
    // The write of the next rows waits on a connection that carries nothing; then that connection
    // is cut as the database comes back (a network that heals with a reset, a failover), so the
    // check after the failed write finds the database answering.
    database.hang();
    for (let i = 1; i < 4; i++) writer.push(row(i, { name }));
    await sleep(300);
    database.up();
    await until(async () => (await storedPaths(name)).length === 4, "the rows to be written after all");
    await writer.close();
    assert.equal(writer.stats().dropped, 0, JSON.stringify(logger.lines));
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1", "/r/2", "/r/3"]);
  } finally {
    database.up();
    await cutPool.end();
    await database.close();
  }
});

// ---- Rows written open (WebSockets, event streams) and finished by their end ----

function end(streamKey: string, name: string, overrides: Partial<RequestLogEnd> = {}): RequestLogEnd {
  return {
    kind: "end",
    final: true,
    streamKey,
    name,
    status: null,
    responseHeaders: null,
    durationMs: 61_000.5,
    bytesIn: 300,
    bytesOut: 4_000,
    error: null,
    requestBody: "81",
    responseBody: "8102",
    responseBodyDecoded: null,
    frameTimes: null,
    ...overrides,
  };
}

async function openRows(name: string) {
  return testDb.db.requestLog.findMany({
    where: { name },
    orderBy: { id: "asc" },
    select: {
      path: true,
      open: true,
      streamKey: true,
      durationMs: true,
      bytesIn: true,
      bytesOut: true,
      error: true,
      requestBody: true,
      responseBody: true,
      frameTimes: true,
    },
  });
}

for (const [via, runner] of runners)
  test(`a row written open is finished in place by its end, a write later, through ${via}`, async () => {
    const name = `open-${via.replaceAll(" ", "-")}`;
    const writer = createLogWriter({ sql: runner(), maxQueue: 100, logger: recordingLogger() });
    writer.push(row(1, { name, status: 101, upgrade: true, open: true, streamKey: "key-a", bytesIn: 0 }));
    writer.push(row(2, { name, status: 200, open: true, streamKey: "key-b" }));
    await writer.flush();
    const opened = await openRows(name);
    assert.deepEqual(
      opened.map((r) => [r.path, r.open, r.streamKey]),
      [
        ["/r/1", true, "key-a"],
        ["/r/2", true, "key-b"],
      ],
    );
    writer.push(row(3, { name }));
    writer.push(
      end("key-a", name, { error: "client_aborted", frameTimes: '{"visitor":[0,0.5],"app":[0,12.5]}' }),
    );
    await writer.flush();
    const [ws, sse, plain] = await openRows(name);
    assert.equal(ws?.open, false);
    assert.equal(ws?.streamKey, null);
    assert.equal(ws?.durationMs, 61_000.5);
    assert.equal(ws?.bytesIn, 300n);
    assert.equal(ws?.bytesOut, 4_000n);
    assert.equal(ws?.error, "client_aborted");
    assert.deepEqual(Buffer.from(ws!.requestBody!), Buffer.from([0x81]));
    assert.deepEqual(Buffer.from(ws!.responseBody!), Buffer.from([0x81, 0x02]));
    assert.equal(ws?.frameTimes, '{"visitor":[0,0.5],"app":[0,12.5]}');
    assert.equal(sse?.open, true, "another open row is left as it is");
    assert.equal(plain?.open, false);
    assert.deepEqual(writer.stats(), { queued: 0, written: 3, dropped: 0 }, "an end is not a row");
    await writer.close();
  });

for (const [via, runner] of runners)
  test(`a row written while its request waited for the app (status 0) gets the answer's status and headers from its end, through ${via}`, async () => {
    const name = `waited-${via.replaceAll(" ", "-")}`;
    const headers = captureHeaders(["content-type", "text/plain", "x-answer", "late"]);
    const writer = createLogWriter({ sql: runner(), maxQueue: 100, logger: recordingLogger() });
    writer.push(row(1, { name, status: 0, open: true, streamKey: "wait-a" }));
    writer.push(row(2, { name, status: 0, open: true, streamKey: "wait-b" }));
    writer.push(row(3, { name, status: 200, open: true, streamKey: "wait-c" }));
    await writer.flush();
    // In place too: an end that comes while its row is still queued.
    writer.push(row(4, { name, status: 0, open: true, streamKey: "wait-d" }));
    writer.push(end("wait-a", name, { status: 201, responseHeaders: headers }));
    writer.push(end("wait-b", name, { status: 503, error: "tunnel_offline" }));
    // An end an older relay spooled says no status: the row keeps its own.
    writer.push(end("wait-c", name));
    writer.push(end("wait-d", name, { status: 504, responseHeaders: headers }));
    await writer.flush();
    const rows = await testDb.db.requestLog.findMany({ where: { name }, orderBy: { id: "asc" } });
    assert.deepEqual(
      rows.map((r) => [r.path, r.open, r.status, r.error]),
      [
        ["/r/1", false, 201, null],
        ["/r/2", false, 503, "tunnel_offline"],
        ["/r/3", false, 200, null],
        ["/r/4", false, 504, null],
      ],
    );
    assert.deepEqual(parseStoredHeaders(rows[0]!.responseHeaders), [
      ["content-type", "text/plain"],
      ["x-answer", "late"],
    ]);
    assert.equal(rows[1]!.responseHeaders, null);
    assert.equal(rows[3]!.responseHeaders, headers);
    await writer.close();
  });

test("an end that arrives while its row is still queued finishes the row before it is written", async () => {
  const name = "open-merged";
  const sql = countingRunner(pool);
  const writer = createLogWriter({ sql, maxQueue: 100, logger: recordingLogger(), flushIntervalMs: 60_000 });
  writer.push(row(1, { name, status: 101, upgrade: true, open: true, streamKey: "key-m" }));
  writer.push(end("key-m", name, { durationMs: 42 }));
  await writer.flush();
  const [ws] = await openRows(name);
  assert.equal(ws?.open, false);
  assert.equal(ws?.streamKey, null);
  assert.equal(ws?.durationMs, 42);
  assert.equal(sql.updates, 0, "one row written closed, no update");
  await writer.close();

  // The end's bodies count against the queue's allowance like a row's.
  const logger = recordingLogger();
  const small = createLogWriter({
    sql: pool,
    maxQueue: 100,
    logger,
    maxBodyChars: 4,
    flushIntervalMs: 60_000,
  });
  small.push(row(2, { name, open: true, streamKey: "key-n" }));
  small.push(end("key-n", name, { requestBody: "0102", responseBody: "0304" }));
  await small.close();
  const [, shed] = await openRows(name);
  assert.equal(shed?.open, false);
  assert.equal(shed?.requestBody, null);
  assert.equal(shed?.responseBody, null);
  assert.ok(logger.lines.some((l) => l.message.includes("rows queued without them")));
});

test("ends queued between rows are written after all of them: one COPY and one update a write", async () => {
  const name = "open-order";
  const sql = countingRunner(pool);
  const writer = createLogWriter({ sql, maxQueue: 100, logger: recordingLogger(), flushIntervalMs: 60_000 });
  for (let i = 0; i < 3; i++) writer.push(row(i, { name, open: true, streamKey: `key-o${i}` }));
  await writer.flush();
  writer.push(end("key-o0", name));
  writer.push(row(10, { name }));
  writer.push(end("key-o1", name));
  writer.push(row(11, { name }));
  writer.push(end("no-such-key", name));
  sql.copies = 0;
  await writer.flush();
  assert.equal(sql.copies, 1);
  assert.equal(sql.updates, 1);
  assert.deepEqual(
    (await openRows(name)).map((r) => [r.path, r.open]),
    [
      ["/r/0", false],
      ["/r/1", false],
      ["/r/2", true],
      ["/r/10", false],
      ["/r/11", false],
    ],
  );
  await writer.close();
});

test("an end queued during an outage survives a stop on disk and finishes its row at the next start", async () => {
  const name = "open-spool";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  try {
    const first = createLogWriter({ sql: pool, maxQueue: 100, logger: recordingLogger() });
    first.push(row(1, { name, open: true, streamKey: "key-s1", upgrade: true, status: 101 }));
    await first.close();

    const down = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
      flushIntervalMs: 60_000,
    });
    down.push(end("key-s1", name, { requestBody: "00ff" }));
    // Opened and closed during the outage, spooled in between: the end follows its row on disk.
    down.push(row(2, { name, open: true, streamKey: "key-s2" }));
    await down.flush();
    down.push(end("key-s2", name));
    await down.close();
    const spooled = readFileSync(spoolIn(dir).file, "utf8").split("\n").filter(Boolean);
    assert.equal(spooled.length, 3);

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await openRows(name)).every((r) => !r.open), "the kept ends to be written");
    await next.flush();
    const [first1, second] = await openRows(name);
    assert.deepEqual(Buffer.from(first1!.requestBody!), Buffer.from([0, 255]));
    assert.equal(first1?.durationMs, 61_000.5);
    assert.equal(second?.open, false);
    assert.equal((await openRows(name)).length, 2);
    await next.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("checkpoints bring an open row up to date and leave it open; a checkpoint and the end in one write: the end wins", async () => {
  const name = "open-checkpoints";
  const sql = countingRunner(pool);
  const writer = createLogWriter({ sql, maxQueue: 100, logger: recordingLogger(), flushIntervalMs: 60_000 });
  // Still queued: a checkpoint merges into the row, which stays open and can still be finished.
  writer.push(row(1, { name, status: 101, upgrade: true, open: true, streamKey: "key-c" }));
  writer.push(end("key-c", name, { final: false, bytesIn: 5, durationMs: 1_000, requestBody: "81" }));
  await writer.flush();
  let [ws] = await openRows(name);
  assert.equal(ws?.open, true);
  assert.equal(ws?.streamKey, "key-c");
  assert.equal(ws?.bytesIn, 5n);
  assert.deepEqual(Buffer.from(ws!.requestBody!), Buffer.from([0x81]));
  // Written: a checkpoint updates it in place, still open.
  writer.push(end("key-c", name, { final: false, bytesIn: 9, durationMs: 2_000 }));
  await writer.flush();
  [ws] = await openRows(name);
  assert.equal(ws?.open, true);
  assert.equal(ws?.bytesIn, 9n);
  assert.equal(ws?.durationMs, 2_000);
  // A checkpoint and then the end in the same write: one update, the end's.
  sql.updates = 0;
  writer.push(end("key-c", name, { final: false, bytesIn: 11 }));
  writer.push(end("key-c", name, { final: true, bytesIn: 12, durationMs: 3_000 }));
  await writer.flush();
  assert.equal(sql.updates, 1);
  [ws] = await openRows(name);
  assert.equal(ws?.open, false);
  assert.equal(ws?.streamKey, null);
  assert.equal(ws?.bytesIn, 12n);
  // Never a checkpoint over the end, whatever the order they were queued in.
  writer.push(row(2, { name, open: true, streamKey: "key-d" }));
  await writer.flush();
  writer.push(end("key-d", name, { final: true, bytesIn: 7 }));
  writer.push(end("key-d", name, { final: false, bytesIn: 6 }));
  await writer.flush();
  const [, late] = await openRows(name);
  assert.equal(late?.open, false);
  assert.equal(late?.bytesIn, 7n);
  // A late checkpoint of a closed row changes nothing.
  writer.push(end("key-c", name, { final: false, bytesIn: 99 }));
  await writer.flush();
  [ws] = await openRows(name);
  assert.equal(ws?.open, false);
  assert.equal(ws?.bytesIn, 12n);
  await writer.close();
});

test("deleted bodies: the name's queued rows and ends lose theirs, an open row keeps its end; other names keep theirs", async () => {
  const name = "bodies-deleted";
  const logger = recordingLogger();
  const writer = createLogWriter({
    sql: pool,
    maxQueue: 100,
    logger,
    maxBodyChars: 60,
    flushIntervalMs: 60_000,
  });
  const kept = {
    requestBody: "0a0b",
    responseBody: "0c0d",
    responseBodyDecoded: "0e",
    frameTimes: '{"visitor":[]}',
  };
  const pushed = row(1, { name, ...kept });
  writer.push(pushed);
  writer.push(row(2, { name: "other-name", ...kept }));
  // An open row whose checkpoint (bodies and all) merged into it while queued, then the end of
  // another connection written open earlier.
  writer.push(row(3, { name, status: 101, upgrade: true, open: true, streamKey: "key-e" }));
  writer.push(end("key-e", name, { final: false, requestBody: "81" }));
  writer.push(end("key-f", name, { requestBody: "82" }));
  writer.dropBodies(name);
  assert.equal(pushed.requestBody, "0a0b", "the caller's row is not changed");
  // The end arriving after the deletion still finishes the queued open row.
  writer.push(end("key-e", name, { requestBody: null, responseBody: null, bytesIn: 77 }));
  // The queue's allowance got the dropped bodies back: this row's fit again.
  writer.push(row(4, { name, ...kept }));
  await writer.flush();
  const rows = await testDb.db.requestLog.findMany({
    where: { name: { in: [name, "other-name"] } },
    orderBy: { id: "asc" },
    omit: { requestBody: false, responseBodyDecoded: false, frameTimes: false },
  });
  assert.deepEqual(
    rows.map((r) => [
      r.name,
      r.path,
      r.open,
      r.requestBody !== null,
      r.responseBodyDecoded !== null,
      r.frameTimes,
    ]),
    [
      [name, "/r/1", false, false, false, null],
      ["other-name", "/r/2", false, true, true, kept.frameTimes],
      [name, "/r/3", false, false, false, null],
      [name, "/r/4", false, true, true, kept.frameTimes],
    ],
  );
  assert.equal(rows[2]?.bytesIn, 77n);
  assert.ok(!logger.lines.some((l) => l.message.includes("rows queued without them")));
  await writer.close();
});

test("deleted bodies: rows kept on disk through an outage lose theirs in the spool file too, and are written without them", async () => {
  const name = "spool-bodies-deleted";
  await reserved(name);
  await reserved("spool-other-name");
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const spooledBodies = () =>
    existsSync(spoolIn(dir).file)
      ? readFileSync(spoolIn(dir).file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => {
            const { name: of, requestBody } = JSON.parse(line) as {
              name: string;
              requestBody: string | null;
            };
            return [of, requestBody];
          })
      : [];
  try {
    // Never closed: the relay crashes during the outage, after the owner deleted the bodies.
    const crashed = createLogWriter({
      sql: UNREACHABLE,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
      flushIntervalMs: 20,
    });
    crashed.push(row(0, { name, requestBody: "0a0b" }));
    crashed.push(row(1, { name: "spool-other-name", requestBody: "0c0d" }));
    await until(() => spooledBodies().length === 2, "the rows to be spooled");
    // A row still only in memory when the deletion comes, spooled at the next retry.
    crashed.push(row(2, { name, requestBody: "0e0f" }));
    crashed.dropBodies(name);
    // The later row's append and the file's rewrite without the name's bodies are queued one after
    // the other: the file may hold three rows a moment before the rewrite is done.
    await until(
      () =>
        spooledBodies().length === 3 && spooledBodies().every(([of, body]) => of !== name || body === null),
      "the later row spooled and the name's bodies gone from the file",
    );
    assert.deepEqual(spooledBodies(), [
      [name, null],
      ["spool-other-name", "0c0d"],
      [name, null],
    ]);

    const next = createLogWriter({
      sql: pool,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
    });
    await until(async () => (await storedPaths(name)).length === 2, "the spooled rows to be written");
    await next.close();
    const stored = await testDb.db.requestLog.findMany({
      where: { name: { in: [name, "spool-other-name"] } },
      orderBy: { id: "asc" },
      select: { name: true, requestBody: true },
    });
    assert.deepEqual(
      stored.map((r) => [r.name, r.requestBody === null ? null : Buffer.from(r.requestBody).toString("hex")]),
      [
        [name, null],
        ["spool-other-name", "0c0d"],
        [name, null],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A runner that counts COPY statements and end updates. */
function countingRunner(inner: SqlRunner): SqlRunner & { copies: number; updates: number } {
  const counted = {
    copies: 0,
    updates: 0,
    query: (text: string, values?: unknown[]) => {
      if (text.includes("UPDATE request_logs")) counted.updates += 1;
      return inner.query(text, values);
    },
    copyFrom: (text: string, data: Iterable<Buffer>) => {
      counted.copies += 1;
      return inner.copyFrom!(text, data);
    },
  };
  return counted;
}

// ---- Writes whose answer was lost: stored once, whatever the database did before the cut ----

test("a write whose answer is lost after it committed is not written again: each request is stored once", async () => {
  const name = "lost-commit";
  const database = await startSwitchablePostgres(new URL(testDb.url));
  const lossy = createLogPool(database.url);
  try {
    const logger = recordingLogger();
    const writer = createLogWriter({ sql: lossy, maxQueue: 100, logger, flushIntervalMs: 20 });
    // The COMMIT reaches the database, which stores the row; its answer never reaches the writer.
    const lost = database.loseAnswer("COMMIT");
    writer.push(row(0, { name }));
    await lost;
    writer.push(row(1, { name }));
    await until(async () => (await storedPaths(name)).length >= 2, "the next row to be written");
    await writer.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1"]);
    assert.deepEqual(writer.stats(), { queued: 0, written: 2, dropped: 0 });
    assert.ok(
      logger.lines.some((l) => l.message.includes("were stored after all") && l.fields?.rows === 1),
      JSON.stringify(logger.lines),
    );
  } finally {
    await lossy.end();
    await database.close();
  }
});

test("a write whose answer is lost before it committed is written again: no request is missing", async () => {
  const name = "lost-copy";
  const database = await startSwitchablePostgres(new URL(testDb.url));
  const lossy = createLogPool(database.url);
  try {
    const writer = createLogWriter({
      sql: lossy,
      maxQueue: 100,
      logger: recordingLogger(),
      flushIntervalMs: 20,
    });
    // The rows reach the database inside the write's transaction; the connection breaks before
    // the COMMIT is sent, so the database drops them.
    const lost = database.loseAnswer("/r/0");
    writer.push(row(0, { name }));
    await lost;
    await until(async () => (await storedPaths(name)).length >= 1, "the row to be written again");
    writer.push(row(1, { name }));
    await writer.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1"]);
    assert.deepEqual(writer.stats(), { queued: 0, written: 2, dropped: 0 });
  } finally {
    await lossy.end();
    await database.close();
  }
});

test("rows whose write lost its answer as the outage began, kept on disk through a stop, are stored once at the next start", async () => {
  const name = "lost-spooled";
  await reserved(name);
  const dir = mkdtempSync(join(tmpdir(), "burrow-spool-"));
  const database = await startSwitchablePostgres(new URL(testDb.url));
  const lossy = createLogPool(database.url);
  try {
    const first = createLogWriter({
      sql: lossy,
      maxQueue: 100,
      logger: recordingLogger(),
      spool: spoolIn(dir),
      flushIntervalMs: 20,
    });
    // Stored, and then the database is gone before the writer hears so, for the rest of its run.
    const lost = database.loseAnswer("COMMIT", { cut: true });
    first.push(row(0, { name }));
    await lost;
    first.push(row(1, { name }));
    await first.close();
    assert.deepEqual(spooledPaths(spoolIn(dir)), ["/r/0", "/r/1"]);
    assert.deepEqual(await storedPaths(name), ["/r/0"]);

    database.up();
    const logger = recordingLogger();
    const next = createLogWriter({ sql: lossy, maxQueue: 100, logger, spool: spoolIn(dir) });
    await until(async () => (await storedPaths(name)).length >= 2, "the kept rows to be written");
    await next.close();
    assert.deepEqual(await storedPaths(name), ["/r/0", "/r/1"]);
    assert.equal(existsSync(spoolIn(dir).file), false, "the spool is gone once its rows are stored");
    assert.ok(
      logger.lines.some((l) => l.message.includes("were stored after all") && l.fields?.rows === 1),
      JSON.stringify(logger.lines),
    );
  } finally {
    database.up();
    await lossy.end();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
