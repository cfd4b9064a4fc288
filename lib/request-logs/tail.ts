import type { Db } from "../db.ts";
import { parseInput } from "../validate.ts";
import {
  END_GRACE_MS,
  listRequestLogs,
  matchingRequestLogs,
  type RequestLogFilter,
  type RequestLogPage,
  type RequestLogRow,
  refreshRequestLogs,
  requestLogFilterSchema,
} from "./query.ts";
import { MAX_REFRESHED } from "./request-id.ts";
import { isWaitingForApp } from "./row.ts";

/** One look of a live view: the rows after its newest, and what it learns about those left out waiting. */
export interface RequestLogTail extends RequestLogPage {
  /** Those it left out while they waited whose answer came and matches, newest first: to show, once. */
  answered: RequestLogRow[];
  /**
   * Those to ask about at the next look (`remembered`), oldest first, at most MAX_REFRESHED: still
   * waiting for the app (those it remembered, and the name's others up to `tailFrom` that it does not
   * show), or answered without matching but still open (an event stream's head said 200; its end
   * may still match: 5xx takes in an answer cut short).
   */
  waiting: string[];
}

/**
 * A live view's look at a name's log after `filter.after`: the dashboard's live tail (the logs
 * route's `after`, with `waiting`) and `burrow logs -f` / `ssh … logs <name> -f` (followRequestLogs).
 *
 * A request the app has not answered BURROW_LOG_WAITING_AFTER_SECONDS (10) after it came is written
 * open with status 0 (row.ts waitingState) and completed in place. A filter on what the answer
 * brings (status, headers, bodies) leaves it out while it waits, and once answered its id is behind
 * the tail, so the tail alone never shows it. The view remembers those (`remembered`, as the last
 * look's `waiting` said), and each look tells it which now match and which to go on asking about.
 * `shown`: waiting rows the view shows (it asks about them again as open rows instead). Without
 * such a filter nothing it leaves out could match later, and it remembers nothing new. The first
 * look's `remembered` are those its first listing left out (listRequestLogsForTail).
 */
export async function tailRequestLogs(
  db: Db,
  filter: RequestLogFilter & { after: string },
  look: { remembered: readonly string[]; shown: readonly string[] },
): Promise<RequestLogTail> {
  const f = parseInput(requestLogFilterSchema, { ...filter, before: undefined });
  // First, and the page only up to the newest row it saw: a row the page leaves out waiting was
  // already waiting here, so it is among these. Read the other way round, one the page left out
  // waiting and answered in the milliseconds between the two reads was in neither, and never
  // shown. (Rows are committed in id order, one log writer per database, as the tail assumes.)
  const snapshot = isAnswerFiltered(f) ? await waitingSnapshot(db, f.name) : null;
  // Gone, or another name's: left out here, so no longer asked about.
  const now = await refreshRequestLogs(db, f.name, look.remembered);
  const answeredNow = now.filter((row) => !isWaitingForApp(row)).map((row) => row.id);
  const answered = answeredNow.length > 0 ? await matchingRequestLogs(db, filter, answeredNow) : [];
  const matched = new Set(answered.map((row) => row.id));
  const asking = now.filter(
    (row) => isWaitingForApp(row) || (!matched.has(row.id) && row.openState === "open"),
  );
  const page = await listRequestLogs(db, { ...filter, before: undefined }, { upTo: snapshot?.newest });
  const shown = new Set([...look.shown, ...matched, ...page.rows.map((row) => row.id)]);
  // Those after the page's tailFrom (a full page) are the next look's: its page may show them.
  const lookedUpTo = BigInt(page.tailFrom ?? filter.after);
  const leftOut = (snapshot?.waiting ?? []).filter((id) => BigInt(id) <= lookedUpTo && !shown.has(id));
  const waiting = [...new Set([...asking.map((row) => row.id), ...leftOut])]
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    .slice(0, MAX_REFRESHED);
  return { ...page, answered, waiting };
}

/**
 * A live view's first listing (`list`, which must read no row after the id it is given, and go on
 * from it as `tailFrom`), with `waiting`: the requests it left out while they waited for the app, to
 * give its first look as `remembered`. Taken with the listing for the reason tailRequestLogs takes
 * them before its page: one left out at the listing and answered before the first look would be
 * in neither look's snapshot, and its id behind the tail: never shown. `view` says which it leaves
 * out: "table" (the dashboard's log), only those an answer filter (status, headers, bodies) could
 * not match yet, since it shows the others it lists and updates them in place, and "Older" reaches
 * the rest; "follow" (`logs -f`, which printed only the newest rows, as lines it cannot update),
 * every one not listed, to print once answered. `eachRead` wraps the snapshot's read (as
 * newestRequestLogs' does its reads).
 */
export async function listRequestLogsForTail<T extends { rows: RequestLogRow[]; tailFrom: string | null }>(
  db: Db,
  filter: Omit<RequestLogFilter, "after" | "limit">,
  options: { view: "table" | "follow"; eachRead?: <R>(read: Promise<R>) => Promise<R> },
  list: (upTo: string | undefined) => Promise<T>,
): Promise<T & { waiting: string[] }> {
  const f = parseInput(requestLogFilterSchema, { ...filter, after: undefined, before: undefined });
  if (options.view === "table" && !isAnswerFiltered(f)) return { ...(await list(undefined)), waiting: [] };
  const read = options.eachRead ?? ((pending) => pending);
  const snapshot = await read(waitingSnapshot(db, f.name));
  const listing = await list(snapshot.newest);
  // Those listed are the view's open rows, asked about again as such (`shown`).
  const listed = new Set(listing.rows.map((row) => row.id));
  return { ...listing, waiting: snapshot.waiting.filter((id) => !listed.has(id)) };
}

/**
 * Whether a filter is on what the answer brings (status, headers, bodies): a request waiting for
 * the app may not match it yet and match it once answered.
 */
function isAnswerFiltered(f: { status?: string; headersContain?: string; bodiesContain?: string }): boolean {
  return Boolean(f.status || f.headersContain || f.bodiesContain);
}

/**
 * The name's newest row id and, as of the same moment (one statement), the ids of its rows still
 * waiting for the app's answer (written open with status 0; their tunnel session not ended),
 * oldest first, at most MAX_REFRESHED. MATERIALIZED: the name's open rows are few, found by the
 * open rows' partial index; an ORDER BY … LIMIT over them would draw the planner to walk the name's
 * whole id index.
 */
async function waitingSnapshot(db: Db, name: string): Promise<{ newest: string; waiting: string[] }> {
  const cutoff = new Date(Date.now() - END_GRACE_MS);
  const found = await db.$queryRaw<{ newest: bigint | null; id: bigint | null }[]>`
    WITH w AS MATERIALIZED (
      SELECT id, session_id FROM request_logs WHERE open AND name = ${name} AND status = 0
    ), waiting AS (
      SELECT w.id FROM w JOIN tunnel_sessions s ON s.id = w.session_id
      WHERE s.ended_at IS NULL OR s.ended_at >= ${cutoff}::timestamptz AT TIME ZONE 'UTC'
      ORDER BY w.id LIMIT ${MAX_REFRESHED}
    )
    SELECT newest.id AS newest, waiting.id
    FROM (SELECT max(id) AS id FROM request_logs WHERE name = ${name}) newest LEFT JOIN waiting ON true
    ORDER BY waiting.id`;
  return {
    newest: String(found[0]?.newest ?? 0n),
    waiting: found.flatMap((row) => (row.id === null ? [] : [String(row.id)])),
  };
}
