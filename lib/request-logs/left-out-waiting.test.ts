import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AppError } from "../errors.ts";
import { createTestDatabase } from "../testing/db.ts";
import { type LeftOutWaiting, leftOutWaitingRequests, listRequestLogs } from "./query.ts";

// The dashboard's live tail with an answer filter (the logs route's `waiting`): requests it left out
// while they waited for the app are shown once their answer matches.
const database = await createTestDatabase("left-out-waiting");
after(() => database.drop());
const { db } = database;

/** A tunnel session still going, for rows written open (a row of an ended one reads "unrecorded"). */
async function liveSession(name: string): Promise<string> {
  const user = await db.user.create({ data: { email: `${name}@left-out.test`, passwordHash: "!" } });
  const session = await db.tunnelSession.create({ data: { name, userId: user.id, clientIp: "127.0.0.1" } });
  return session.id;
}

const row = (name: string, path: string, status: number) => ({
  name,
  method: "GET",
  path,
  status,
  durationMs: 1,
  clientIp: "198.51.100.7",
});

/** A request written before the app answered it (status 0, open), as the relay writes one after 10-12 s. */
async function waitingRow(name: string, sessionId: string, path: string): Promise<string> {
  const created = await db.requestLog.create({
    data: { ...row(name, path, 0), durationMs: 0, sessionId, open: true, streamKey: `key-${path}` },
  });
  return String(created.id);
}

/** Its row completed in place, as the relay's end writes it (`open`: an event stream's head). */
async function answer(id: string, status: number, open = false): Promise<void> {
  await db.requestLog.update({
    where: { id: BigInt(id) },
    data: { status, durationMs: 30_000, bytesOut: 12n, open, streamKey: open ? undefined : null },
  });
}

/** One look of a tail filtered on 5xx, as the route makes it: the page after `after`, then this. */
async function look(name: string, after: string, remembered: string[], shown: string[] = []) {
  const page = await listRequestLogs(db, { name, status: "5xx", after, limit: 200 });
  const leftOut = await leftOutWaitingRequests(
    db,
    { name, status: "5xx" },
    { remembered, shown: [...shown, ...page.rows.map((r) => r.id)], upTo: page.tailFrom ?? after },
  );
  return { page, ...leftOut };
}

const paths = (left: LeftOutWaiting) => left.answered.map((r) => `${r.path} ${r.status}`);

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
  await db.requestLog.create({ data: row(name, "/broken", 500) });

  const one = await look(name, first.tailFrom ?? "0", []);
  assert.deepEqual(
    one.page.rows.map((r) => r.path),
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
  const tailFrom = one.page.tailFrom ?? "0";
  const two = await look(name, tailFrom, one.waiting);
  assert.deepEqual(two.page.rows, [], "their ids are behind the tail");
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

test("waiting rows the view shows, beyond the page's look, gone or another name's are not remembered", async () => {
  const name = "left-shown";
  const sessionId = await liveSession(name);
  const otherSession = await liveSession("left-other");
  const shown = await waitingRow(name, sessionId, "/shown");
  const left = await waitingRow(name, sessionId, "/left-out");
  const gone = await waitingRow(name, sessionId, "/deleted");
  const others = await waitingRow("left-other", otherSession, "/not-yours");
  const result = await leftOutWaitingRequests(
    db,
    { name, headersContain: "x-trace" },
    { remembered: [gone, others], shown: [shown], upTo: gone },
  );
  assert.deepEqual(result.waiting, [left, gone]);
  const later = await waitingRow(name, sessionId, "/after-the-look");
  await db.requestLog.delete({ where: { id: BigInt(gone) } });
  const next = await leftOutWaitingRequests(
    db,
    { name, headersContain: "x-trace" },
    { remembered: result.waiting, shown: [shown], upTo: gone },
  );
  assert.deepEqual(next.waiting, [left], "the deleted one goes; the one after upTo is the next page's");
  assert.ok(!next.waiting.includes(later));
});

test("without a filter on the answer nothing is remembered, and bad ids are refused", async () => {
  const name = "left-plain";
  const sessionId = await liveSession(name);
  const waiting = await waitingRow(name, sessionId, "/slow");
  assert.deepEqual(
    await leftOutWaitingRequests(
      db,
      { name, method: "POST" },
      { remembered: [waiting], shown: [], upTo: waiting },
    ),
    { answered: [], waiting: [] },
    "a waiting row a method or path filter leaves out never matches it later",
  );
  await assert.rejects(
    leftOutWaitingRequests(db, { name }, { remembered: ["1;DROP"], shown: [], upTo: waiting }),
    (error) =>
      error instanceof AppError && error.code === "invalid_input" && error.message === "Use a request id",
  );
  const many = Array.from({ length: 101 }, (_, i) => String(i + 1));
  await assert.rejects(
    leftOutWaitingRequests(db, { name, status: "5xx" }, { remembered: many, shown: [], upTo: waiting }),
    (error) => error instanceof AppError && /at most 100/.test(error.message),
  );
});
