import { isRequestLogEnd, type RequestLogEntry } from "../lib/request-logs/row.ts";
import type { SqlRunner } from "./log-database.ts";

/**
 * Of the rows an earlier run left in the spool (log-spool.ts), those whose name is still the same
 * owner's, by their index in the batch. Between that run and this one the name may have been
 * released (which deletes its log) and reserved again, by someone else or by the same person, or
 * its owner's account deleted: written anyway, the old visitors' addresses, paths, headers and
 * bodies would show up in a log that is no longer theirs, or come back after a release. A row
 * stays when the name's reservation is older than the request and, if the row came through a
 * tunnel, that tunnel was the reservation owner's; a random name's rows stay while their tunnel's
 * row exists and nobody else reserved the name (its own user may have kept it since). Rows from
 * before the name's log was last deleted (CLEARED_BEFORE) never stay.
 */
export const LEFTOVER_OWNED_SQL = `
SELECT r.i FROM json_to_recordset($1::json) AS r(i int, "name" text, "sessionId" text, "at" timestamptz)
LEFT JOIN reservations v ON v.name = r."name"
LEFT JOIN tunnel_sessions s ON s.id = r."sessionId"
LEFT JOIN log_deletions d ON d.name = r."name"
WHERE (d.requested_at IS NULL OR r."at" >= d.requested_at) AND CASE
  WHEN r."sessionId" IS NULL THEN v.created_at <= r."at"
  WHEN s.id IS NULL THEN false
  WHEN v.id IS NULL THEN s.random_name
  ELSE s.user_id = v.user_id AND (v.created_at <= r."at" OR s.random_name)
END`;

/**
 * Of rows that waited in the relay through a database outage, those logged after their name's log
 * was last deleted (Delete all requests, a release: log_deletions), by their index in the batch.
 * The owner may delete the log while the relay cannot reach the database, or in the seconds
 * before it retries; written anyway, rows the owner deleted would come back.
 */
export const AFTER_LAST_DELETION_SQL = `
SELECT r.i FROM json_to_recordset($1::json) AS r(i int, "name" text, "at" timestamptz)
LEFT JOIN log_deletions d ON d.name = r."name"
WHERE d.requested_at IS NULL OR r."at" >= d.requested_at`;

/**
 * The indexes of `entries` to write: every end (it only finishes a row of its own, found by key,
 * and finds none when that row was not written) and the rows LEFTOVER_OWNED_SQL keeps. Throws
 * what the query throws (an outage: the caller retries).
 */
export async function ownedLeftovers(
  sql: SqlRunner,
  entries: readonly RequestLogEntry[],
): Promise<Set<number>> {
  const keep = new Set<number>();
  const rows: { i: number; name: string; sessionId: string | null; at: Date }[] = [];
  entries.forEach((entry, i) => {
    if (isRequestLogEnd(entry)) keep.add(i);
    else rows.push({ i, name: entry.name, sessionId: entry.sessionId, at: entry.at });
  });
  if (rows.length === 0) return keep;
  const result = (await sql.query(LEFTOVER_OWNED_SQL, [JSON.stringify(rows)])) as { rows: { i: number }[] };
  for (const { i } of result.rows) keep.add(i);
  return keep;
}

/**
 * The indexes of `entries` to write after an outage: every end (as in ownedLeftovers) and the rows
 * AFTER_LAST_DELETION_SQL keeps. Throws what the query throws (an outage: the caller retries).
 */
export async function rowsAfterLastDeletion(
  sql: SqlRunner,
  entries: readonly RequestLogEntry[],
): Promise<Set<number>> {
  const keep = new Set<number>();
  const rows: { i: number; name: string; at: Date }[] = [];
  entries.forEach((entry, i) => {
    if (isRequestLogEnd(entry)) keep.add(i);
    else rows.push({ i, name: entry.name, at: entry.at });
  });
  if (rows.length === 0) return keep;
  const result = (await sql.query(AFTER_LAST_DELETION_SQL, [JSON.stringify(rows)])) as {
    rows: { i: number }[];
  };
  for (const { i } of result.rows) keep.add(i);
  return keep;
}
