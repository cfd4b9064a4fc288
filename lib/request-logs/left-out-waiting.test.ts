import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { createTestDatabase } from "../testing/db.ts";
import { loggedRequest, waitingRows } from "../testing/waiting-rows.ts";
import { listRequestLogs, newestRequestLogs } from "./query.ts";
import { listRequestLogsForTail, type RequestLogTail, tailRequestLogs } from "./tail.ts";

// The live views with an answer filter (the logs route's `waiting`, `logs -f`): requests they left
// out while they waited for the app are shown once their answer matches.
const database = await createTestDatabase("left-out-waiting");
after(() => database.drop());
const { db } = database;
const { liveSession, waitingRow, answer } = waitingRows(db);

/** One look of a tail filtered on 5xx, as the route makes it. */
function look(name: string, after: string, remembered: string[], shown: string[] = [], reader: Db = db) {
  return tailRequestLogs(reader, { name, status: "5xx", after, limit: 200 }, { remembered, shown });
}

const paths = (tail: RequestLogTail) => tail.answered.map((r) => `${r.path} ${r.status}`);

test("a request left out while it waited is answered once its answer matches, and then no more", async () => {
  const name = "left-5xx";
  const sessionId = await liveSession(name);
  // Already waiting when the page was rendered: its first listing (5xx) could not show it.
  const before = await waitingRow(name, sessionId, "/before-the-page");
  const first = await listRequestLogs(db, { name, status: "5xx", limit: 50 });
  assert.deepEqual(first.rows, []);
  const timesOut = await waitingRow(name, sessionId, "/times-out");
  const fine = await waitingRow(name, sessionId, "/fine");
  const stream = await waitingRow(name, sessionId, "/events");
  await db.requestLog.create({ data: loggedRequest(name, "/broken", 500) });

  const one = await look(name, first.tailFrom ?? "0", []);
  assert.deepEqual(
    one.rows.map((r) => r.path),
    ["/broken"],
    "no status yet: the waiting rows match no status filter",
  );
  assert.deepEqual(one.answered, []);
  assert.deepEqual(one.waiting, [before, timesOut, fine, stream], "all waiting, oldest first");

  await answer(timesOut, 504);
  await answer(fine, 200);
  await answer(before, 502);
  // The event stream's head says 200 and it goes on: its end may still be an error.
  await answer(stream, 200, true);
  const tailFrom = one.tailFrom ?? "0";
  const two = await look(name, tailFrom, one.waiting);
  assert.deepEqual(two.rows, [], "their ids are behind the tail");
  assert.deepEqual(paths(two), ["/times-out 504", "/before-the-page 502"], "newest first");
  assert.deepEqual(two.waiting, [stream], "the 200 is let go; the open stream is asked about again");

  const three = await look(name, tailFrom, two.waiting);
  assert.deepEqual(three.answered, [], "shown once: not answered again");
  assert.deepEqual(three.waiting, [stream]);
  await answer(stream, 200);
  const four = await look(name, tailFrom, three.waiting);
  assert.deepEqual(four.answered, []);
  assert.deepEqual(four.waiting, [], "ended without an error: no longer asked about");
});

/**
 * `db` with `between` run right after its `at`-th raw query (1 the first) has answered: a write
 * that lands at one chosen point between a look's reads, every time, rather than by luck. `reads`
 * counts them.
 */
function interleaved(at: number, between: () => Promise<void>): { reader: Db; reads: () => number } {
  let reads = 0;
  const reader = new Proxy(db, {
    get(target, key) {
      if (key !== "$queryRaw") return Reflect.get(target, key);
      return async (...args: Parameters<Db["$queryRaw"]>) => {
        const result = await target.$queryRaw(...args);
        reads += 1;
        if (reads === at) await between();
        return result;
      };
    },
  });
  return { reader, reads: () => reads };
}

test("a request answered between any two of a look's reads is shown once, not lost", async () => {
  const setUp = async (name: string) => {
    const sessionId = await liveSession(name);
    const first = await listRequestLogs(db, { name, status: "5xx", limit: 50 });
    return { after: first.tailFrom ?? "0", slow: await waitingRow(name, sessionId, "/slow") };
  };
  const dry = await setUp("left-race");
  const counted = interleaved(0, async () => {});
  await look("left-race", dry.after, [], [], counted.reader);
  assert.ok(counted.reads() >= 2, "a look reads the page and the waiting rows");
  for (let at = 1; at <= counted.reads(); at++) {
    const name = `left-race-${at}`;
    const { after, slow } = await setUp(name);
    // Waiting when the look begins, answered with a 504 after its `at`-th read.
    const one = await look(name, after, [], [], interleaved(at, () => answer(slow, 504)).reader);
    const two = await look(name, one.tailFrom ?? "0", one.waiting);
    const shown = [...one.rows, ...one.answered, ...two.rows, ...two.answered].map(
      (r) => `${r.path} ${r.status}`,
    );
    assert.deepEqual(shown, ["/slow 504"], `answered after read ${at}: shown once, now or at the next look`);
    assert.deepEqual(two.waiting, []);
  }
});

test("waiting rows the view shows, after the page's look, gone or another name's are not remembered", async () => {
  const name = "left-shown";
  const sessionId = await liveSession(name);
  const otherSession = await liveSession("left-other");
  const trace = (path: string) => ({
    ...loggedRequest(name, path),
    requestHeaders: JSON.stringify([["X-Trace", "1"]]),
  });
  const shown = await waitingRow(name, sessionId, "/shown");
  const left = await waitingRow(name, sessionId, "/left-out");
  const gone = await waitingRow(name, sessionId, "/deleted");
  const others = await waitingRow("left-other", otherSession, "/not-yours");
  await db.requestLog.create({ data: trace("/traced") });
  await db.requestLog.create({ data: trace("/traced-later") });
  const later = await waitingRow(name, sessionId, "/after-the-look");
  const filter = { name, headersContain: "x-trace", limit: 1 };
  const result = await tailRequestLogs(
    db,
    { ...filter, after: "0" },
    { remembered: [gone, others], shown: [shown] },
  );
  assert.deepEqual(
    result.rows.map((r) => r.path),
    ["/traced"],
    "a full page: the tail goes on from it next time",
  );
  assert.deepEqual(result.waiting, [left, gone], "the one after the page's look is the next look's");
  await db.requestLog.delete({ where: { id: BigInt(gone) } });
  const next = await tailRequestLogs(
    db,
    { ...filter, after: result.tailFrom ?? "0" },
    { remembered: result.waiting, shown: [shown] },
  );
  assert.deepEqual(
    next.rows.map((r) => r.path),
    ["/traced-later"],
  );
  assert.deepEqual(next.waiting, [left, later], "the deleted one goes; the later one is this look's");
});

test("without a filter on the answer only a follow's first listing remembers those it left out; bad ids are refused", async () => {
  const name = "left-plain";
  const sessionId = await liveSession(name);
  const waiting = await waitingRow(name, sessionId, "/slow");
  await db.requestLog.create({ data: loggedRequest(name, "/fast") });
  const newestOnly = (limit: number) => (upTo: string | undefined) =>
    listRequestLogs(db, { name, limit }, { upTo });
  const table = await listRequestLogsForTail(db, { name }, { view: "table" }, newestOnly(1));
  assert.deepEqual(
    table.rows.map((r) => r.path),
    ["/fast"],
  );
  assert.deepEqual(table.waiting, [], "a waiting row older than the dashboard's rows: its Older shows it");
  const newest = table.tailFrom ?? "0";
  const plain = await tailRequestLogs(db, { name, after: newest }, { remembered: [], shown: [] });
  assert.deepEqual([plain.answered, plain.waiting], [[], []], "nor does a look remember it");
  const listed = await listRequestLogsForTail(db, { name }, { view: "follow" }, newestOnly(2));
  assert.deepEqual(listed.waiting, [], "printed waiting: followed as an open row instead");
  // A follow printed only its newest rows: the one waiting before them is printed once answered.
  const first = await listRequestLogsForTail(db, { name }, { view: "follow" }, newestOnly(1));
  assert.deepEqual(first.waiting, [waiting]);
  await answer(waiting, 200);
  const next = await tailRequestLogs(db, { name, after: newest }, { remembered: first.waiting, shown: [] });
  assert.deepEqual(paths(next), ["/slow 200"]);
  assert.deepEqual(next.waiting, []);

  await assert.rejects(
    tailRequestLogs(db, { name, after: newest }, { remembered: ["1;DROP"], shown: [] }),
    (error) =>
      error instanceof AppError && error.code === "invalid_input" && error.message === "Use a request id",
  );
  const many = Array.from({ length: 101 }, (_, i) => String(i + 1));
  await assert.rejects(
    tailRequestLogs(db, { name, status: "5xx", after: newest }, { remembered: many, shown: [] }),
    (error) => error instanceof AppError && /at most 100/.test(error.message),
  );
});

/** The dashboard's first page with a 5xx filter, as the tunnel page reads it (first-log-page.ts). */
function firstPage(name: string, reader: Db = db) {
  const filter = { name, status: "5xx", limit: 50 };
  return listRequestLogsForTail(reader, filter, { view: "table" }, (upTo) =>
    listRequestLogs(reader, filter, { upTo }),
  );
}

test("a request waiting at the first listing and answered before the first look is shown by that look", async () => {
  const name = "left-first";
  const sessionId = await liveSession(name);
  const slow = await waitingRow(name, sessionId, "/slow");
  const first = await firstPage(name);
  assert.deepEqual(first.rows, [], "no status yet: the 5xx page leaves it out");
  assert.deepEqual(first.waiting, [slow]);
  // The first look's own look at the requests waiting no longer finds it.
  await answer(slow, 504);
  const one = await look(name, first.tailFrom ?? "0", first.waiting);
  assert.deepEqual(one.rows, [], "its id is behind the tail");
  assert.deepEqual(paths(one), ["/slow 504"]);
  assert.deepEqual(one.waiting, []);
  const two = await look(name, one.tailFrom ?? "0", one.waiting);
  assert.deepEqual([two.rows, two.answered], [[], []], "shown once");
});

/** `logs -f --status 5xx`'s first lines, as the CLI and the relay read them (newestRequestLogs). */
function firstLines(name: string, reader: Db = db) {
  const filter = { name, status: "5xx" };
  return listRequestLogsForTail(reader, filter, { view: "follow" }, (upTo) =>
    newestRequestLogs(reader, filter, 20, { upTo }),
  );
}

for (const [view, listing] of [
  ["dashboard", firstPage],
  ["logs -f", firstLines],
] as const) {
  test(`requests answered or written between any two of a first listing's reads are shown once, not lost (${view})`, async () => {
    const setUp = async (name: string) => {
      const sessionId = await liveSession(name);
      return { sessionId, slow: await waitingRow(name, sessionId, "/slow") };
    };
    const prefix = `first-race-${view === "dashboard" ? "page" : "lines"}`;
    await setUp(prefix);
    const counted = interleaved(0, async () => {});
    await listing(prefix, counted.reader);
    assert.ok(counted.reads() >= 2, "a first listing reads the waiting rows and the page");
    for (let at = 1; at <= counted.reads(); at++) {
      const name = `${prefix}-${at}`;
      const { sessionId, slow } = await setUp(name);
      // Waiting when the listing begins, answered with a 504 after its `at`-th read, when another
      // request starts waiting, answered with a 502 before the first look.
      let later = "";
      const first = await listing(
        name,
        interleaved(at, async () => {
          await answer(slow, 504);
          later = await waitingRow(name, sessionId, "/later");
        }).reader,
      );
      await answer(later, 502);
      const one = await look(name, first.tailFrom ?? "0", first.waiting);
      const two = await look(name, one.tailFrom ?? "0", one.waiting);
      const shown = [...first.rows, ...one.rows, ...one.answered, ...two.rows, ...two.answered].map(
        (r) => `${r.path} ${r.status}`,
      );
      assert.deepEqual(shown.sort(), ["/later 502", "/slow 504"], `after read ${at}: each shown once`);
      assert.deepEqual(two.waiting, []);
    }
  });
}
