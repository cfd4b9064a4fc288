/**
 * Request-log retention: rows older than BURROW_LOG_RETENTION_DAYS are deleted, so a busy tunnel
 * cannot fill the server's disk (about 200 bytes a request, ~1 GB a day at 60 requests a second).
 */
import { type Db, Prisma } from "../db.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Rows deleted per statement. Each batch is its own short transaction: the relay's log writes and
 * the dashboard's reads never wait long behind a large delete, and a huge backlog (retention just
 * turned on) is worked off a batch at a time.
 */
export const RETENTION_BATCH = 5_000;

/**
 * How long a transaction that deletes whole logs in one statement (an account's, a released name's)
 * may take: millions of rows on a busy instance (5M took 7 s here), where Prisma's default of 5 s
 * for a transaction failed the delete with "expired transaction", however often it was tried.
 * Those deletes must stay in their transaction: what they refuse (a tunnel that is up) rolls it back.
 */
export const LOG_DELETE_TRANSACTION_MS = 10 * 60_000;

/**
 * Rows one statement of deleteLogInTransaction deletes at most: well within the query timeout
 * (QUERY_TIMEOUT_MS) on a loaded machine, however large the log.
 */
export const LOG_DELETE_STATEMENT_ROWS = 20_000;

/**
 * Deletes a name's whole log (only the rows of these tunnel sessions, when given) inside the
 * caller's transaction (a released name's, a deleted account's), in statements of at most
 * LOG_DELETE_STATEMENT_ROWS rows down the name's id index, each going on below the last. One
 * DELETE of a busy name's log ran into the 20 s query timeout (3M rows took 20.9 s on a loaded
 * machine), so the release failed, as "Cannot reach the database", however often it was tried.
 * Returns how many rows went.
 */
export async function deleteLogInTransaction(
  tx: Pick<Db, "$queryRaw">,
  name: string,
  sessionIds?: readonly string[],
): Promise<number> {
  const sessions = sessionIds ? Prisma.sql`AND session_id = ANY(${[...sessionIds]}::text[])` : Prisma.empty;
  let below: bigint | null = null;
  let deleted = 0;
  for (;;) {
    const under = below === null ? Prisma.empty : Prisma.sql`AND id < ${below}`;
    const rows: { deleted: number; lowest: bigint | null }[] = await tx.$queryRaw`
      WITH gone AS (
        DELETE FROM request_logs WHERE id = ANY(ARRAY(
          SELECT id FROM request_logs WHERE name = ${name} ${under} ${sessions}
          ORDER BY id DESC LIMIT ${LOG_DELETE_STATEMENT_ROWS}
        ))
        RETURNING id
      )
      SELECT count(*)::int AS deleted, min(id) AS lowest FROM gone`;
    const count = Number(rows[0]?.deleted ?? 0);
    deleted += count;
    if (count < LOG_DELETE_STATEMENT_ROWS || !rows[0]?.lowest) return deleted;
    below = rows[0].lowest;
  }
}

/** The oldest time a row may have and still be kept; undefined when `days` is 0 (keep forever). */
export function retentionCutoff(days: number, now = new Date()): Date | undefined {
  return days > 0 ? new Date(now.getTime() - days * DAY_MS) : undefined;
}

/**
 * Deletes every request-log row logged before `cutoff`; returns how many. An aborted `signal`
 * stops it between batches (a shutdown must not wait for a large backlog). Works name by name on the
 * (name, at) index the log table already has for its reads, rather than on a new index on `at`
 * that every logged request would pay for: the distinct names come from a loose index scan (the
 * recursive query jumps from one name to the next in the index instead of reading every row).
 */
export async function deleteRequestLogsBefore(
  db: Db,
  cutoff: Date,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const names = await db.$queryRaw<{ name: string }[]>`
    WITH RECURSIVE names AS (
      SELECT min(name) AS name FROM request_logs
      UNION ALL
      SELECT (SELECT min(name) FROM request_logs WHERE name > names.name) FROM names WHERE names.name IS NOT NULL
    )
    SELECT name FROM names WHERE name IS NOT NULL`;
  let deleted = 0;
  for (const { name } of names) {
    if (options.signal?.aborted) break;
    deleted += await deleteNameRows(db, name, { ...options, before: cutoff });
  }
  return deleted;
}

/**
 * Deletes a name's rows logged before `before`, a batch at a time by primary key:
 * `id = ANY(ARRAY(…))`; `id IN (SELECT …)` was planned as a hash join over a scan of the whole
 * table for every batch. Returns how many; an aborted `signal` stops it between batches. (A name's
 * whole log goes through deletions.ts, in the background.)
 */
export async function deleteNameRows(
  db: Db,
  name: string,
  options: { before: Date; batchSize?: number; signal?: AbortSignal },
): Promise<number> {
  const batchSize = options.batchSize ?? RETENTION_BATCH;
  const older = Prisma.sql`AND at < ${options.before}`;
  return inBatches(
    batchSize,
    () => db.$executeRaw`
      DELETE FROM request_logs WHERE id = ANY(ARRAY(
        SELECT id FROM request_logs WHERE name = ${name} ${older} LIMIT ${batchSize}
      ))`,
    options.signal,
  );
}

/**
 * Runs `batch` (one statement changing at most `size` rows, returning how many it changed) until a
 * batch changes fewer; returns the total. Each batch is its own short transaction (see
 * RETENTION_BATCH). An aborted `signal` stops it between batches.
 */
export async function inBatches(
  size: number,
  batch: () => Promise<number>,
  signal?: AbortSignal,
): Promise<number> {
  let changed = 0;
  for (;;) {
    if (signal?.aborted) return changed;
    const count = await batch();
    changed += count;
    if (count < size) return changed;
  }
}

/** How much room the request log takes: what an operator weighs against the retention period. */
export interface RequestLogStorage {
  /** Exact below EXACT_COUNT_BELOW rows, else PostgreSQL's estimate from its statistics. */
  rows: number;
  rowsExact: boolean;
  /** Table, indexes and TOAST on disk. */
  bytes: number;
  /** Time of the oldest row kept, null when the log is empty. */
  oldestAt: Date | null;
}

/** Up to this many rows (by the estimate) the count is exact; counting more would read the table. */
const EXACT_COUNT_BELOW = 100_000;

export async function requestLogStorage(db: Db): Promise<RequestLogStorage> {
  const [stats] = await db.$queryRaw<{ estimate: number; bytes: bigint; oldest: Date | null }[]>`
    SELECT (SELECT reltuples FROM pg_class WHERE oid = 'request_logs'::regclass)::float8 AS estimate,
           pg_total_relation_size('request_logs') AS bytes,
           -- The lowest id is the oldest row (ids grow as rows are written): one primary-key probe
           -- rather than a scan for min(at), which has no index of its own.
           (SELECT at FROM request_logs ORDER BY id LIMIT 1) AS oldest`;
  const estimate = stats?.estimate ?? -1;
  // reltuples is -1 until the table was first analysed, and stale on a small, young table.
  const rowsExact = estimate < EXACT_COUNT_BELOW;
  const rows = rowsExact ? await db.requestLog.count() : Math.round(estimate);
  return { rows, rowsExact, bytes: Number(stats?.bytes ?? 0), oldestAt: stats?.oldest ?? null };
}
