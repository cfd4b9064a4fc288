/**
 * Reading the request log: the dashboard's log table, live tail and traffic chart, and `burrow logs`.
 *
 * Ownership is the caller's job: these functions take a tunnel name and return its traffic to
 * whoever asks, so the dashboard must first check that the name belongs to the signed-in user
 * (e.g. with getNameForUser) before calling them.
 */

import { z } from "zod";
import { escapeLike } from "../db/like.ts";
import { type Db, Prisma } from "../db.ts";
import { AppError } from "../errors.ts";
import { normalizeIpAddress } from "../forwarding/ip-address.ts";
import { normaliseName } from "../names/rules.ts";
import { parseInput } from "../validate.ts";
import { type FrameTimes, parseFrameTimes } from "./bodies.ts";
import { bodyTextPattern, bytesEscaped, formBodyPattern } from "./body-search.ts";
import { caseFoldPattern, needsUnicodeFold, regexLiteral } from "./case-fold.ts";
import { headerBytes } from "./header-text.ts";
import { type HeaderPair, parseStoredHeaders } from "./headers.ts";
import { pathSearchForms, pathSearchPattern } from "./path-search.ts";
import { MAX_REFRESHED, REQUEST_ID } from "./request-id.ts";
import { type NewRequestLog, NOT_TUNNEL_ERRORS } from "./row.ts";
import { STATUS_FILTER_HINT, statusRange } from "./status-filter.ts";

const emptyAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());
const idCursor = z.string().regex(REQUEST_ID, "Use a request id");

/**
 * Filters of the log table, as they come from the URL's search params (strings) or the CLI.
 * `before` pages back through older rows; `after` asks for rows newer than the newest one shown
 * (live tail). Both are request ids (BIGINT) as strings.
 */
export const requestLogFilterSchema = z.object({
  name: z.string().trim().toLowerCase().min(1, "Choose a tunnel name").max(63),
  /** A class of answers ("5xx") or one exact code ("404"). */
  status: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((text) => statusRange(text) !== null, `Use ${STATUS_FILTER_HINT}`),
  ),
  method: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{1,16}$/, "Use an HTTP method such as GET"),
  ),
  pathContains: optional(z.string().max(500, "Use at most 500 characters")),
  /** Text in a request or response header's name or value (hidden credentials match by name only). */
  headersContain: optional(z.string().max(500, "Use at most 500 characters")),
  /**
   * Text in a kept request or response body, as sent, or in what the relay decoded of it (a
   * compressed answer's start, a WebSocket's messages).
   */
  bodiesContain: optional(z.string().max(500, "Use at most 500 characters")),
  /** One visitor's address, as the log stores it. */
  clientIp: optional(
    z.string().transform((text, ctx) => {
      const ip = normalizeIpAddress(text);
      if (ip === null) ctx.addIssue({ code: "custom", message: "Use an IPv4 or IPv6 address" });
      return ip ?? text;
    }),
  ),
  from: optional(z.coerce.date({ message: "Pick a valid start time" })),
  to: optional(z.coerce.date({ message: "Pick a valid end time" })),
  before: optional(idCursor),
  after: optional(idCursor),
  limit: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(1, "Show at least 1 row").max(200, "Show at most 200 rows").default(50),
  ),
});
export type RequestLogFilter = z.input<typeof requestLogFilterSchema>;

/** One request of a name's log, by its id (what the request details act on). */
export const requestRefSchema = z.object({
  id: z.string().regex(REQUEST_ID, { message: "No such request" }),
});

/** One stored request, JSON-safe: the BIGINT id as a string, byte counts as numbers. */
export interface RequestLogRow
  extends Omit<
    NewRequestLog,
    | "name"
    | "error"
    | "accessPage"
    | "requestHeaders"
    | "responseHeaders"
    | "requestBody"
    | "responseBody"
    | "responseBodyDecoded"
    | "open"
    | "streamKey"
    | "frameTimes"
  > {
  id: string;
  /** Why the relay answered itself, e.g. "tunnel_offline"; null when the local app answered. */
  error: string | null;
  /** Which relay access page answered (AccessPage), e.g. "password_wrong"; null for the app's answers. */
  accessPage: string | null;
  /** The label of the share link the visitor came in with, while that link still exists. */
  shareLinkLabel: string | null;
  /** As the visitor sent them, credentials hidden (null values); null when not recorded. */
  requestHeaders: HeaderPair[] | null;
  /** As the app answered, credentials hidden; null when the relay answered itself. */
  responseHeaders: HeaderPair[] | null;
  /** The name kept this request's bodies (readRequestBodies has them). */
  bodiesKept: boolean;
  /**
   * For a WebSocket or event stream logged while open: "open" while it still is (its time, bytes
   * and bodies are those of its start, or of its last checkpoint), "unrecorded" when its tunnel has
   * gone since without its end being written (the relay stopped or crashed). Null for every
   * finished request. With status 0, a request written while it waited for the app's answer
   * (row.ts waitingState).
   */
  openState: OpenState | null;
}

export type OpenState = "open" | "unrecorded";

export interface RequestLogPage {
  /** Newest first. */
  rows: RequestLogRow[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  nextCursor: string | null;
  /**
   * Set when a filtered page stopped at its scan window (`scanRows`) with fewer rows than asked
   * for: it looked only at requests after this time, and `nextCursor` goes on with older ones.
   */
  searchedSince: Date | null;
  /**
   * Where the live tail asks on from (`after`), for a first page or a tail: the name's newest row
   * when the query started (every row up to it has been looked at), or the newest row returned when
   * a tail had more than a page. Rows that do not match move the tail on too, so a tail with a
   * rare filter reads only the rows written since its last look. Null for `before` pages.
   */
  tailFrom: string | null;
}

/**
 * How many of a name's rows a filtered page of the dashboard reads at most, newest first. A search
 * for something rare in a busy tunnel's month of requests (millions of rows, seconds to read them
 * all) answers in well under a second for the newest 100,000 instead, and says how far back it
 * looked; the owner asks for older ones page by page.
 */
export const SEARCH_WINDOW_ROWS = 100_000;

/**
 * How many bytes of kept bodies a body search reads in one statement at most, on top of
 * SEARCH_WINDOW_ROWS: a body is read whole (decompressed, then compared as text), at tens of MiB
 * a second, so 100,000 rows with bodies kept (up to 64 KiB a side) took minutes, past the 20 s
 * query timeout (the owner read "Cannot reach the database"), and went on running in PostgreSQL
 * after that, taking a core from every other user. The sizes come from the rows' headers, without
 * reading the bodies.
 */
export const SEARCH_WINDOW_BODY_BYTES = 32 * 1024 * 1024;

/**
 * One page of a name's request log, newest first, with keyset pagination on id (the
 * (name, id desc) index): no OFFSET, so deep pages cost the same as the first and rows arriving
 * meanwhile do not shift pages. With `after`, returns the rows right after that id (oldest of them
 * first in the database, newest first in `rows`): a tail that fell behind catches up over several
 * polls without gaps.
 */
export async function listRequestLogs(
  db: Db,
  filter: RequestLogFilter,
  /**
   * `scanRows`: read at most this many of the name's rows for a filtered page (SEARCH_WINDOW_ROWS);
   * a body search also at most `scanBodyBytes` of their kept bodies (SEARCH_WINDOW_BODY_BYTES).
   * `upTo`: a tail or a first page reads no row after this id and a tail goes on from it, as if it
   * were the name's newest (tailRequestLogs and listRequestLogsForTail, which looked at the rows
   * waiting for the app up to it first). Ignored by `before` pages.
   */
  {
    scanRows,
    scanBodyBytes = SEARCH_WINDOW_BODY_BYTES,
    upTo,
  }: { scanRows?: number; scanBodyBytes?: number; upTo?: string } = {},
): Promise<RequestLogPage> {
  const f = parseInput(requestLogFilterSchema, filter);
  const tail = f.after !== undefined && f.before === undefined;
  const ceiling = f.before === undefined && upTo !== undefined ? BigInt(idCursor.parse(upTo)) : null;
  // Before the page's query: rows written while it runs are the tail's next look.
  const newestId = ceiling ?? (f.before === undefined ? await newestIdOf(db, f.name) : null);
  // The ceiling as the bound `before` sets (id < before) on an otherwise unbounded page.
  const bounded = ceiling === null ? f : { ...f, before: String(ceiling + 1n) };
  // Without filters the first `limit` rows of the index are the page; with them, a rare match could
  // mean reading every row of the name, so a window bounds that (the tail reads only new rows).
  const reading = tail ? NEWEST_FIRST : await readingOf(db, bounded);
  const floor =
    scanRows !== undefined && !tail && isFiltered(f)
      ? await scanFloor(db, bounded, { rows: scanRows, bodyBytes: scanBodyBytes }, reading)
      : null;
  const { ids, more } = await matchingIds(db, bounded, floor, tail, reading);
  // The window ran out before the page filled: older rows are still to be searched, from the floor.
  const windowEnded = !more && floor !== null;
  return {
    rows: await rowsOf(db, f.name, ids),
    nextCursor: windowEnded ? String(floor.id + 1n) : !tail && more ? String(ids[ids.length - 1]!.id) : null,
    searchedSince: windowEnded ? floor.at : null,
    tailFrom: tail && more ? String(ids[0]!.id) : newestId === null ? null : String(newestId),
  };
}

/**
 * The ids of a page (newest first; for a tail, oldest first in the database and reversed here),
 * found by one SQL query (a body search is more than Prisma's filters can say), above `floor` when
 * there is one; `more` when there are further matches beyond the page.
 */
async function matchingIds(
  db: Db,
  f: ParsedFilter,
  floor: { id: bigint } | null,
  tail: boolean,
  reading: Reading,
): Promise<{ ids: { id: bigint; kept: boolean }[]; more: boolean }> {
  const matches = await db.$queryRaw<{ id: bigint; kept: boolean }[]>(pageIdsSql(f, floor, tail, reading));
  const ids = matches.slice(0, f.limit);
  if (tail) ids.reverse();
  return { ids, more: matches.length > f.limit };
}

/** The statement matchingIds runs. */
function pageIdsSql(
  f: ParsedFilter,
  floor: { id: bigint } | null,
  tail: boolean,
  reading: Reading,
): Prisma.Sql {
  const where = floor ? Prisma.sql`${whereSql(f)} AND id > ${floor.id}` : whereSql(f);
  const columns = Prisma.sql`id, (request_body IS NOT NULL OR response_body IS NOT NULL) AS kept`;
  const order = Prisma.sql`ORDER BY id ${tail ? Prisma.sql`ASC` : Prisma.sql`DESC`} LIMIT ${f.limit + 1}`;
  // MATERIALIZED: planned on its own, without the ORDER BY … LIMIT that draws the planner to the
  // id index (see Reading).
  if (reading.window) {
    return Prisma.sql`WITH w AS MATERIALIZED (SELECT ${columns} FROM request_logs WHERE ${where})
      SELECT id, kept FROM w ${order}`;
  }
  return Prisma.sql`SELECT ${columns} FROM request_logs WHERE ${where} ${order}`;
}

/**
 * The statement that finds the ids of this page of the log, as listRequestLogs would run it now:
 * for tests that EXPLAIN it.
 */
export async function requestLogPageSql(db: Db, filter: RequestLogFilter): Promise<Prisma.Sql> {
  const f = parseInput(requestLogFilterSchema, filter);
  const tail = f.after !== undefined && f.before === undefined;
  return pageIdsSql(f, null, tail, tail ? NEWEST_FIRST : await readingOf(db, f));
}

/**
 * How a page reads the name's rows. Newest first (the usual): backward through the id index from the
 * newest row (or `before`), which stops as soon as the page is full. A time window that ends in the
 * past (`to`), though, holds none of the newest rows: read that way, every row logged after it is
 * read and skipped first, and PostgreSQL, which takes a window's rows to be spread evenly over the
 * ids where they are the ids of their time, chose that way anyway (2.3M rows read, 1.4 s, for an
 * hour 26 days back in a month's log of 2.6M). Such a window is read by itself instead, through the
 * (name, at) index, and sorted by id, when that reads less: when it holds fewer rows than were logged
 * after it (and below `before`), by WINDOW_ROW_COST, as the per-minute counts (request_stats) say.
 * `windowRows` is their count of it, at least the rows it holds (its end minutes count whole).
 */
interface Reading {
  window: boolean;
  windowRows: number | null;
}

const NEWEST_FIRST: Reading = { window: false, windowRows: null };

async function readingOf(db: Db, f: ParsedFilter): Promise<Reading> {
  if (!f.to) return NEWEST_FIRST;
  // Older pages start below `before`: the rows after the window that they skip end there.
  let upTo: Date | null = null;
  if (f.before) {
    const [below] = await db.$queryRaw<{ at: Date }[]>`
      SELECT at FROM request_logs WHERE name = ${f.name} AND id < ${BigInt(f.before)} ORDER BY id DESC LIMIT 1`;
    if (!below) return NEWEST_FIRST;
    upTo = below.at;
  }
  const to = Prisma.sql`${f.to}::timestamptz AT TIME ZONE 'UTC'`;
  const [counts] = await db.$queryRaw<{ inside: number; after: number }[]>`
    SELECT coalesce(sum(requests) FILTER (WHERE minute < ${to}), 0)::float8 AS inside,
           coalesce(sum(requests) FILTER (WHERE minute >= date_trunc('minute', ${to})), 0)::float8 AS after
    FROM request_stats
    WHERE name = ${f.name}
      ${f.from ? Prisma.sql`AND minute >= date_trunc('minute', ${f.from}::timestamptz AT TIME ZONE 'UTC')` : Prisma.empty}
      ${upTo ? Prisma.sql`AND minute <= ${upTo}::timestamptz AT TIME ZONE 'UTC'` : Prisma.empty}`;
  const inside = Number(counts?.inside ?? 0);
  return inside * WINDOW_ROW_COST < Number(counts?.after ?? 0)
    ? { window: true, windowRows: inside }
    : NEWEST_FIRST;
}

/**
 * What reading one row of a window by itself costs, in rows skipped newest first: the window's rows
 * are fetched and sorted, the skipped ones only passed over in index order (86k rows of a day read
 * in 210 ms, 131k skipped in 60 ms, here). A large window far back is slow either way; it is read
 * the cheaper way.
 */
const WINDOW_ROW_COST = 5;

/**
 * Every row matching `filter` (below `before`, if set), newest first, a page of at most `pageRows`
 * at a time: what `burrow logs`, the relay's `logs` command and the downloads read, which search the
 * whole log rather than the dashboard's SEARCH_WINDOW_ROWS. Still, no statement reads more than
 * `scanRows` of the name's rows: a rare filter over a busy tunnel's month (millions of rows, one
 * statement of many seconds that the query timeout ended as "the database is not answering") is
 * searched a window at a time, each one short. A window's floor is found once, not for every page
 * read within it. The first page carries `tailFrom` (the name's newest row when the search began,
 * or `upTo`: no row after it is read), for a follow that goes on from there; a window without
 * matches yields an empty page.
 */
export async function* searchRequestLogs(
  db: Db,
  filter: Omit<RequestLogFilter, "after" | "limit">,
  {
    pageRows,
    scanRows = SEARCH_WINDOW_ROWS,
    scanBodyBytes = SEARCH_WINDOW_BODY_BYTES,
    upTo,
  }: { pageRows: number; scanRows?: number; scanBodyBytes?: number; upTo?: string },
): AsyncGenerator<RequestLogPage> {
  const scan = { rows: scanRows, bodyBytes: scanBodyBytes };
  const parsed = parseInput(requestLogFilterSchema, { ...filter, after: undefined, limit: pageRows });
  const ceiling = upTo === undefined ? null : BigInt(idCursor.parse(upTo));
  // The ceiling as the bound `before` sets (id < before), unless `before` is lower already.
  const f =
    ceiling === null || (parsed.before !== undefined && BigInt(parsed.before) <= ceiling)
      ? parsed
      : { ...parsed, before: String(ceiling + 1n) };
  let tailFrom: string | null = ceiling === null ? String(await newestIdOf(db, f.name)) : String(ceiling);
  const filtered = isFiltered(f);
  let reading = await readingOf(db, f);
  let floor = filtered ? await scanFloor(db, f, scan, reading) : null;
  let before = f.before;
  for (;;) {
    const { ids, more } = await matchingIds(db, { ...f, before }, floor, false, reading);
    // The window ran out before the page filled: the next one starts at its floor.
    const ended = !more ? floor : null;
    const nextCursor = more ? String(ids[ids.length - 1]!.id) : ended ? String(ended.id + 1n) : null;
    yield { rows: await rowsOf(db, f.name, ids), nextCursor, searchedSince: ended?.at ?? null, tailFrom };
    tailFrom = null;
    if (nextCursor === null) return;
    before = nextCursor;
    if (ended) {
      reading = await readingOf(db, { ...f, before });
      floor = await scanFloor(db, { ...f, before }, scan, reading);
    }
  }
}

/**
 * The newest `limit` rows matching `filter` in the whole log, newest first, read as
 * searchRequestLogs does (no statement longer than a window's, none after `upTo`); `tailFrom` as a
 * first page's.
 * `eachRead` wraps each step (a window's page), e.g. in a time limit for a database that stopped
 * answering, which then applies to one short statement rather than to the whole search.
 */
export async function newestRequestLogs(
  db: Db,
  filter: Omit<RequestLogFilter, "after" | "limit">,
  limit: number,
  {
    eachRead = (read) => read,
    scanRows,
    upTo,
  }: { eachRead?: <T>(read: Promise<T>) => Promise<T>; scanRows?: number; upTo?: string } = {},
): Promise<{ rows: RequestLogRow[]; tailFrom: string | null }> {
  const pages = searchRequestLogs(db, filter, { pageRows: limit, scanRows, upTo });
  const rows: RequestLogRow[] = [];
  let tailFrom: string | null = null;
  while (rows.length < limit) {
    // A read that failed or timed out leaves the generator as it is: it holds nothing to release.
    const next = await eachRead(pages.next());
    if (next.done) break;
    tailFrom ??= next.value.tailFrom;
    rows.push(...next.value.rows.slice(0, limit - rows.length));
  }
  await pages.return(undefined);
  return { rows, tailFrom };
}

/** The id of the name's newest row (0 when it has none), from the (name, id) index. */
async function newestIdOf(db: Db, name: string): Promise<bigint> {
  const [row] = await db.$queryRaw<{ id: bigint | null }[]>`
    SELECT max(id) AS id FROM request_logs WHERE name = ${name}`;
  return row?.id ?? 0n;
}

/** Whether a page narrows the name's rows (so finding `limit` of them may mean reading many more). */
function isFiltered(f: ParsedFilter): boolean {
  return Boolean(
    f.status ||
      f.method ||
      f.pathContains ||
      f.headersContain ||
      f.bodiesContain ||
      f.clientIp ||
      f.from ||
      f.to,
  );
}

/**
 * The newest of the name's rows (below `before`, in the time range if one is set) beyond the first
 * `scan.rows`, or for a body search beyond the first whose kept bodies add up to `scan.bodyBytes`:
 * a page searches only rows newer than it. Null when there are no more rows than that. Without a
 * time range the id comes from the (name, id) index alone; only that one row is read, for its time.
 */
async function scanFloor(
  db: Db,
  f: ParsedFilter,
  scan: { rows: number; bodyBytes: number },
  reading: Reading,
): Promise<{ id: bigint; at: Date } | null> {
  // A window read by itself that holds no more rows than that needs no floor (but its bodies may
  // be too many bytes for one statement).
  const byBytes = Boolean(f.bodiesContain);
  if (!byBytes && reading.window && reading.windowRows !== null && reading.windowRows <= scan.rows) {
    return null;
  }
  const parts = [Prisma.sql`name = ${f.name}`, ...timeSql(f)];
  if (f.before) parts.push(Prisma.sql`id < ${BigInt(f.before)}`);
  const where = Prisma.join(parts, " AND ");
  const newest = byBytes
    ? bodyBytesFloorSql(where, scan, reading)
    : reading.window
      ? Prisma.sql`WITH w AS MATERIALIZED (SELECT id FROM request_logs WHERE ${where})
        SELECT id FROM w ORDER BY id DESC OFFSET ${scan.rows} LIMIT 1`
      : Prisma.sql`SELECT id FROM request_logs WHERE ${where} ORDER BY id DESC OFFSET ${scan.rows} LIMIT 1`;
  const found = await db.$queryRaw<{ id: bigint; at: Date }[]>`
    SELECT id, at FROM request_logs WHERE id = (${newest})`;
  return found[0] ?? null;
}

/**
 * scanFloor's statement for a body search: the newest row past `scan.rows`, or at which the kept
 * bodies of the rows read so far (newest first, this one included) exceed `scan.bodyBytes`.
 * octet_length of a stored body reads its size from the row, not the body.
 */
function bodyBytesFloorSql(
  where: Prisma.Sql,
  scan: { rows: number; bodyBytes: number },
  reading: Reading,
): Prisma.Sql {
  const kept = Prisma.sql`coalesce(octet_length(request_body), 0) + coalesce(octet_length(response_body), 0)
    + coalesce(octet_length(response_body_decoded), 0)`;
  const newestRows = reading.window
    ? Prisma.sql`WITH w AS MATERIALIZED (SELECT id, ${kept} AS kept FROM request_logs WHERE ${where})
        SELECT id, kept FROM w ORDER BY id DESC LIMIT ${scan.rows + 1}`
    : Prisma.sql`SELECT id, ${kept} AS kept FROM request_logs WHERE ${where} ORDER BY id DESC LIMIT ${scan.rows + 1}`;
  return Prisma.sql`SELECT id FROM (
      SELECT id, row_number() OVER newest_first AS n, sum(kept) OVER newest_first AS total
      FROM (${newestRows}) r
      WINDOW newest_first AS (ORDER BY id DESC ROWS UNBOUNDED PRECEDING)
    ) s
    WHERE n > ${scan.rows} OR total > ${scan.bodyBytes}
    ORDER BY id DESC LIMIT 1`;
}

/**
 * One request of a name's log, as the log lists it (a request's own link, a replay's original);
 * null when it is not one of that name's rows (deleted, expired, or never was).
 */
export async function findRequestLog(db: Db, name: string, id: string): Promise<RequestLogRow | null> {
  const ref = parseInput(requestRefSchema, { id });
  const matches = await db.$queryRaw<{ id: bigint; kept: boolean }[]>`
    SELECT id, (request_body IS NOT NULL OR response_body IS NOT NULL) AS kept
    FROM request_logs WHERE name = ${name} AND id = ${BigInt(ref.id)}`;
  return (await rowsOf(db, name, matches))[0] ?? null;
}

const refreshSchema = z.object({
  // Names are stored lower-case; the CLI passes a name as typed.
  name: z.string().trim().toLowerCase(),
  ids: z.array(idCursor).max(MAX_REFRESHED, `Ask for at most ${MAX_REFRESHED} requests`),
});

/**
 * These requests of a name's log as they are now, newest first: the live log asks again for the
 * rows it shows open (a WebSocket or event stream), whose end is written over them. Rows that are
 * gone, or another name's, are left out.
 */
export async function refreshRequestLogs(
  db: Db,
  name: string,
  ids: readonly string[],
): Promise<RequestLogRow[]> {
  const f = parseInput(refreshSchema, { ids, name });
  if (f.ids.length === 0) return [];
  const matches = await db.$queryRaw<{ id: bigint; kept: boolean }[]>`
    SELECT id, (request_body IS NOT NULL OR response_body IS NOT NULL) AS kept
    FROM request_logs WHERE name = ${f.name} AND id = ANY(${f.ids.map(BigInt)}::bigint[])
    ORDER BY id DESC`;
  return rowsOf(db, f.name, matches);
}

/**
 * Which of these requests of a name match `filter` as they are now, newest first (its paging
 * ignored): a follower's check of requests it left out while they waited for the app's answer,
 * once the answer is in their row. Rows that are gone, or another name's, are left out.
 */
export async function matchingRequestLogs(
  db: Db,
  filter: RequestLogFilter,
  ids: readonly string[],
): Promise<RequestLogRow[]> {
  const f = parseInput(requestLogFilterSchema, { ...filter, before: undefined, after: undefined });
  const { ids: wanted } = parseInput(refreshSchema, { ids, name: f.name });
  if (wanted.length === 0) return [];
  const matches = await db.$queryRaw<{ id: bigint; kept: boolean }[]>`
    SELECT id, (request_body IS NOT NULL OR response_body IS NOT NULL) AS kept
    FROM request_logs WHERE ${whereSql(f)} AND id = ANY(${wanted.map(BigInt)}::bigint[])
    ORDER BY id DESC`;
  return rowsOf(db, f.name, matches);
}

/** The rows of these ids, in their order, with their share links' labels. */
async function rowsOf(db: Db, name: string, ids: { id: bigint; kept: boolean }[]): Promise<RequestLogRow[]> {
  const found =
    ids.length === 0 ? [] : await db.requestLog.findMany({ where: { id: { in: ids.map((m) => m.id) } } });
  const byId = new Map(found.map((r) => [r.id, r]));
  // A row deleted since its id was found (retention) is left out.
  const page = ids.flatMap((m) => {
    const row = byId.get(m.id);
    return row ? [{ row, kept: m.kept }] : [];
  });
  const labels = await shareLinkLabels(
    db,
    name,
    page.map((p) => p.row),
  );
  const ended = await endedSessions(
    db,
    page.flatMap((p) => (p.row.open && p.row.sessionId ? [p.row.sessionId] : [])),
  );
  return page.map(({ row, kept }) => {
    const openState = !row.open ? null : row.sessionId && !ended.has(row.sessionId) ? "open" : "unrecorded";
    return toRow(row, row.shareLinkId ? (labels.get(row.shareLinkId) ?? null) : null, kept, openState);
  });
}

/**
 * How long after its tunnel session ended an open row is still expected to be finished: when a
 * tunnel goes, the relay closes its connections and writes their ends with its next log write (a
 * second), while the session's end is saved at once. Longer than that, plus a database hiccup.
 */
export const END_GRACE_MS = 60_000;

/**
 * Which of these tunnel sessions ended more than END_GRACE_MS ago (or are gone). An open row of
 * such a session will never be finished: its WebSocket or stream went with the tunnel, and the relay
 * that would have written its end stopped first (a relay closes the sessions a crashed one left
 * open when it starts).
 */
async function endedSessions(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const unique = [...new Set(ids)];
  const cutoff = new Date(Date.now() - END_GRACE_MS);
  const recent = await db.tunnelSession.findMany({
    where: { id: { in: unique }, OR: [{ endedAt: null }, { endedAt: { gte: cutoff } }] },
    select: { id: true },
  });
  const recentIds = new Set(recent.map((s) => s.id));
  return new Set(unique.filter((id) => !recentIds.has(id)));
}

type ParsedFilter = z.output<typeof requestLogFilterSchema>;

/** `%text%` for ILIKE, the text's own wildcards escaped. */
const containing = (text: string) => `%${escapeLike(text)}%`;

/** A stored header list (headers.ts: JSON pairs) that says its body is a form (urlencoded). */
const FORM_CONTENT_TYPE = containing('"content-type","application/x-www-form-urlencoded');

/**
 * The filters as one SQL condition. Every value is a bound parameter; searches are case-insensitive
 * substrings with LIKE's wildcards taken literally. Rows are found through the (name, id) index.
 */
function whereSql(f: ParsedFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`name = ${f.name}`];
  if (f.before) parts.push(Prisma.sql`id < ${BigInt(f.before)}`);
  if (f.after) parts.push(Prisma.sql`id > ${BigInt(f.after)}`);
  const statuses = f.status ? statusRange(f.status) : null;
  if (statuses && statuses.gte === 500 && statuses.lt === 600) {
    // 5xx is what the chart and the overview count as errors (request_is_error, as ERROR_ROWS):
    // with the answers cut short or by the relay's shutdown, whose head had already said 200.
    parts.push(Prisma.sql`request_is_error(status, error)`);
  } else if (statuses) {
    const { gte, lt } = statuses;
    parts.push(Prisma.sql`status >= ${gte} AND status < ${lt}`);
  }
  if (f.method) parts.push(Prisma.sql`method = ${f.method}`);
  if (f.pathContains) {
    // As typed and as a browser sends it (percent-encoded): at most three patterns, one scan. A
    // letter beyond ASCII folds its case through one regular expression (case-fold.ts).
    const text = f.pathContains;
    const pattern = pathSearchPattern(text);
    const forms = () => pathSearchForms(text).map((form) => Prisma.sql`path ILIKE ${containing(form)}`);
    parts.push(pattern ? Prisma.sql`path ~ ${pattern}` : Prisma.sql`(${Prisma.join(forms(), " OR ")})`);
  }
  if (f.headersContain) {
    // The lists are JSON (headers.ts): the text is looked for as JSON writes it, a quote or
    // backslash escaped the same way, and as the bytes a client sends it in (UTF-8), which the
    // lists hold one Latin-1 character a byte (header-text.ts): "café" finds what shows as café.
    // A letter beyond ASCII is looked for in each of its cases, so "CAFÉ" finds it too, never
    // another letter whose bytes read as the same Latin-1 letters in another case.
    const pattern = needsUnicodeFold(f.headersContain)
      ? Prisma.sql`~ ${caseFoldPattern(f.headersContain, (char) => [regexLiteral(storedHeaderText(char))])}`
      : Prisma.sql`ILIKE ${containing(storedHeaderText(f.headersContain))}`;
    parts.push(Prisma.sql`(request_headers ${pattern} OR response_headers ${pattern})`);
  }
  if (f.bodiesContain) parts.push(bodiesSql(f.bodiesContain));
  if (f.clientIp) parts.push(Prisma.sql`client_ip = ${f.clientIp}`);
  parts.push(...timeSql(f));
  return Prisma.join(parts, " AND ");
}

/** Text as a stored header list (headers.ts) holds it: its UTF-8 bytes, one character a byte, in JSON. */
const storedHeaderText = (text: string) => JSON.stringify(headerBytes(text)).slice(1, -1);

/**
 * "Bodies contain" as SQL. Bodies are bytes, not text: both sides are compared in bytea's escape
 * form (NUL and bytes above 127 as octal, backslashes doubled), which is ASCII, so ILIKE folds
 * ASCII letters' case and matches the rest byte for byte; text with a letter beyond ASCII is a
 * regular expression that spells each of its cases (body-search.ts).
 */
function bodiesSql(text: string): Prisma.Sql {
  const textPattern = bodyTextPattern(text);
  const asSent = (column: Prisma.Sql) =>
    textPattern
      ? Prisma.sql`encode(${column}, 'escape') ~ ${textPattern}`
      : Prisma.sql`encode(${column}, 'escape') ILIKE ${containing(bytesEscaped(Buffer.from(text, "utf8")))}`;
  // A form post's body, or a form answer's, is also found by its fields as they read
  // (body-search.ts): one regular expression, which holds the text as sent too, so the body is read
  // once. Only on a side whose headers say it is a form: in other bodies "+" and "%41" mean
  // themselves. The side's header list is small and checked first. Content-Type is kept in the list
  // even past its caps (headers.ts).
  const form = formBodyPattern(text);
  const request = Prisma.sql`request_body`;
  const response = Prisma.sql`response_body`;
  const decoded = Prisma.sql`response_body_decoded`;
  if (!form) return Prisma.sql`(${asSent(request)} OR ${asSent(response)} OR ${asSent(decoded)})`;
  const asForm = (column: Prisma.Sql) => Prisma.sql`encode(${column}, 'escape') ~ ${form}`;
  return Prisma.sql`(CASE WHEN request_headers ILIKE ${FORM_CONTENT_TYPE} THEN ${asForm(request)}
      ELSE ${asSent(request)} END
    OR CASE WHEN response_headers ILIKE ${FORM_CONTENT_TYPE} THEN ${asForm(response)} OR ${asForm(decoded)}
      ELSE ${asSent(response)} OR ${asSent(decoded)} END)`;
}

/** The time range's conditions, if any. */
function timeSql(f: ParsedFilter): Prisma.Sql[] {
  const parts: Prisma.Sql[] = [];
  // `at` is a UTC timestamp without time zone (Prisma's mapping): compare in UTC.
  if (f.from) parts.push(Prisma.sql`at >= ${f.from}::timestamptz AT TIME ZONE 'UTC'`);
  if (f.to) parts.push(Prisma.sql`at < ${f.to}::timestamptz AT TIME ZONE 'UTC'`);
  return parts;
}

type LogRecord = Awaited<ReturnType<Db["requestLog"]["findMany"]>>[number];

/**
 * Labels of the share links these rows came in with (one query, only when there are any). Only
 * links of this name: a row's link id is the relay's record, and the label is the owner's text.
 */
async function shareLinkLabels(db: Db, name: string, rows: LogRecord[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.shareLinkId ? [r.shareLinkId] : [])))];
  if (ids.length === 0) return new Map();
  const links = await db.shareLink.findMany({
    where: { id: { in: ids }, reservation: { name } },
    select: { id: true, label: true },
  });
  return new Map(links.map((link) => [link.id, link.label]));
}

/** The kept bodies of one request of a name, with what is needed to read them (body-view.ts). */
export interface RequestBodies {
  method: string;
  status: number;
  /** An upgrade: the bodies are what each side sent after the handshake (websocket-view.ts). */
  upgrade: boolean;
  bytesIn: number;
  bytesOut: number;
  requestHeaders: HeaderPair[] | null;
  responseHeaders: HeaderPair[] | null;
  /** Null when not kept. */
  requestBody: Buffer | null;
  responseBody: Buffer | null;
  /** A WebSocket's: when each kept chunk of each side arrived; null when not noted. */
  frameTimes: FrameTimes | null;
}

/** A request's kept bodies as the log stores them (null: that side was not kept). */
export interface StoredBodies {
  request: Uint8Array | null;
  response: Uint8Array | null;
  frameTimes: FrameTimes | null;
}

/** Prisma's filter for rows that kept a body, either side (the SQL reads above say it as SQL). */
export const KEPT_BODIES = { OR: [{ requestBody: { not: null } }, { responseBody: { not: null } }] };

/**
 * The kept bodies of these requests of a name (ids as the log lists them), by id; requests that
 * kept none, are gone or are another name's are left out. For exports, a page at a time.
 */
export async function keptBodiesOf(
  db: Db,
  name: string,
  ids: readonly string[],
): Promise<Map<string, StoredBodies>> {
  if (ids.length === 0) return new Map();
  const rows = await db.requestLog.findMany({
    where: {
      // Names are stored lower-case; the CLI passes a name as typed.
      name: normaliseName(name),
      id: { in: ids.map(BigInt) },
      ...KEPT_BODIES,
    },
    select: { id: true, requestBody: true, responseBody: true, frameTimes: true },
  });
  return new Map(
    rows.map((r) => [
      String(r.id),
      { request: r.requestBody, response: r.responseBody, frameTimes: parseFrameTimes(r.frameTimes) },
    ]),
  );
}

/** One request's kept bodies; not_found for an id that is not one of this name's requests. */
export async function readRequestBodies(db: Db, name: string, id: string): Promise<RequestBodies> {
  // An id that cannot be one is a request that is not there: the API answers 404, not 400.
  if (!requestRefSchema.safeParse({ id }).success) throw new AppError("not_found", "No such request");
  const row = await db.requestLog.findFirst({
    // Names are stored lower-case; the CLI passes a name as typed.
    where: { id: BigInt(id), name: normaliseName(name) },
    select: {
      method: true,
      status: true,
      upgrade: true,
      bytesIn: true,
      bytesOut: true,
      requestHeaders: true,
      responseHeaders: true,
      requestBody: true,
      responseBody: true,
      frameTimes: true,
    },
  });
  if (!row) throw new AppError("not_found", "This request is no longer in the log (deleted?)");
  return {
    method: row.method,
    status: row.status,
    upgrade: row.upgrade,
    bytesIn: Number(row.bytesIn),
    bytesOut: Number(row.bytesOut),
    requestHeaders: parseStoredHeaders(row.requestHeaders),
    responseHeaders: parseStoredHeaders(row.responseHeaders),
    requestBody: row.requestBody ? Buffer.from(row.requestBody) : null,
    responseBody: row.responseBody ? Buffer.from(row.responseBody) : null,
    frameTimes: parseFrameTimes(row.frameTimes),
  };
}

function toRow(
  r: LogRecord,
  shareLinkLabel: string | null,
  bodiesKept: boolean,
  openState: OpenState | null,
): RequestLogRow {
  return {
    id: String(r.id),
    at: r.at,
    method: r.method,
    path: r.path,
    status: r.status,
    durationMs: r.durationMs,
    bytesIn: Number(r.bytesIn),
    bytesOut: Number(r.bytesOut),
    clientIp: r.clientIp,
    userAgent: r.userAgent,
    upgrade: r.upgrade,
    admission: r.admission,
    shareLinkId: r.shareLinkId,
    sessionId: r.sessionId,
    error: r.error,
    accessPage: r.accessPage,
    shareLinkLabel,
    requestHeaders: parseStoredHeaders(r.requestHeaders),
    responseHeaders: parseStoredHeaders(r.responseHeaders),
    bodiesKept,
    replayOf: r.replayOf === null ? null : String(r.replayOf),
    openState,
  };
}

export type StatsBucket = "minute" | "hour";

export interface StatsPoint {
  /** Start of the bucket (UTC). */
  at: Date;
  requests: number;
  /** Requests answered with a 5xx or by the relay itself (offline tunnel, unreachable local app). */
  errors: number;
}

/** A chart of more buckets than this is unreadable and a needless scan. */
export const MAX_STATS_BUCKETS = 2_000;

/**
 * Requests and errors per minute or hour since `since` (from the start of its minute), one point
 * per bucket including empty ones (so a chart needs no gap filling), in one SQL query over the
 * per-minute counts (request_stats) rather than the requests themselves.
 */
export async function requestStats(
  db: Db,
  name: string,
  options: { since: Date; bucket: StatsBucket },
): Promise<StatsPoint[]> {
  const { since, bucket } = options;
  if (bucket !== "minute" && bucket !== "hour") throw new AppError("invalid_input", "Choose minute or hour");
  const bucketMs = bucket === "minute" ? 60_000 : 3_600_000;
  if (Number.isNaN(since.getTime()) || (Date.now() - since.getTime()) / bucketMs > MAX_STATS_BUCKETS) {
    throw new AppError("invalid_input", `Choose a shorter period (at most ${MAX_STATS_BUCKETS} ${bucket}s)`);
  }
  const step = `1 ${bucket}`;
  // `at` is a UTC timestamp without time zone (Prisma's mapping); compare in UTC throughout.
  const rows = await db.$queryRaw<{ at: Date; requests: number; errors: number }[]>`
    WITH buckets AS (
      SELECT generate_series(
        date_trunc(${bucket}, ${since}::timestamptz AT TIME ZONE 'UTC'),
        date_trunc(${bucket}, now() AT TIME ZONE 'UTC'),
        ${step}::interval
      ) AS at
    ),
    counts AS (
      SELECT date_trunc(${bucket}, minute) AS at, sum(requests)::int AS requests, sum(errors)::int AS errors
      FROM request_stats
      WHERE name = ${name} AND minute >= date_trunc('minute', ${since}::timestamptz AT TIME ZONE 'UTC')
      GROUP BY 1
    )
    SELECT b.at, coalesce(c.requests, 0) AS requests, coalesce(c.errors, 0) AS errors
    FROM buckets b LEFT JOIN counts c ON c.at = b.at
    ORDER BY b.at`;
  return rows.map((r) => ({ at: r.at, requests: Number(r.requests), errors: Number(r.errors) }));
}

/**
 * How many requests (and errors) each of these names logged since `since` (from the start of its
 * minute), from the per-minute counts; names with none are left out.
 */
export async function requestCounts(
  db: Db,
  names: readonly string[],
  since: Date,
): Promise<Map<string, { requests: number; errors: number }>> {
  if (names.length === 0) return new Map();
  const from = new Date(Math.floor(since.getTime() / 60_000) * 60_000);
  const sums = await db.requestStat.groupBy({
    by: ["name"],
    where: { name: { in: [...names] }, minute: { gte: from } },
    _sum: { requests: true, errors: true },
  });
  return new Map(sums.map((s) => [s.name, { requests: s._sum.requests ?? 0, errors: s._sum.errors ?? 0 }]));
}

/**
 * Where the newest `count` errors of these names since `since` are, at the oldest: the start of the
 * oldest of the newest `count` minutes that had an error (each holds one at least). Null when there
 * was none. Bounds the search for recent errors in a busy log to those minutes.
 */
export async function recentErrorsFrom(
  db: Db,
  names: readonly string[],
  since: Date,
  count: number,
): Promise<Date | null> {
  if (names.length === 0) return null;
  const from = new Date(Math.floor(since.getTime() / 60_000) * 60_000);
  const minutes = await db.requestStat.findMany({
    where: { name: { in: [...names] }, minute: { gte: from }, errors: { gt: 0 } },
    orderBy: { minute: "desc" },
    take: count,
    select: { minute: true },
  });
  return minutes.at(-1)?.minute ?? null;
}

/** One of the newest errors of a user's names (the home page's Recent errors). */
export interface RecentErrorRow {
  id: bigint;
  at: Date;
  name: string;
  method: string;
  path: string;
  status: number;
  error: string | null;
}

/**
 * The rows the log counts as errors (as request_is_error in the migrations and isTunnelError do):
 * a 5xx, or the relay answering itself, but not what is no error of the tunnel (NOT_TUNNEL_ERRORS):
 * a visitor going away, which every event stream does when its page is closed, a connection closed
 * as its visitor's access ended, or a replay Burrow stopped reading.
 */
export const ERROR_ROWS: Prisma.RequestLogWhereInput = {
  OR: [{ status: { gte: 500 } }, { error: { not: null, notIn: [...NOT_TUNNEL_ERRORS] } }],
};

/** The newest `count` errors (ERROR_ROWS) of these names since `since`, newest first. */
export async function listRecentErrors(
  db: Db,
  names: readonly string[],
  since: Date,
  count: number,
): Promise<RecentErrorRow[]> {
  const from = await recentErrorsFrom(db, names, since, count);
  if (from === null) return [];
  return db.requestLog.findMany({
    where: { name: { in: [...names] }, at: { gte: from > since ? from : since }, ...ERROR_ROWS },
    orderBy: { id: "desc" },
    take: count,
    select: { id: true, at: true, name: true, method: true, path: true, status: true, error: true },
  });
}
