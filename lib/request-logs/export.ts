/**
 * A name's request log as a file, read a page at a time: the dashboard's download. Like query.ts,
 * ownership is the caller's job.
 */
import type { Db } from "../db.ts";
import { parseInput } from "../validate.ts";
import {
  CSV_COLUMNS,
  csvLine,
  EXPORT_MAX_ROWS,
  type ExportedRequest,
  type ExportedRequestWithBodies,
  type ExportFormat,
  toExportedRequest,
  withBodies,
} from "./export-format.ts";
import { keptBodiesOf, type RequestLogFilter, requestLogFilterSchema, searchRequestLogs } from "./query.ts";

/** Rows per query while exporting (the log's largest page). */
const PAGE_ROWS = 200;
/** With bodies: up to 128 KiB a row, so a page holds at most ~6 MiB of them. */
const PAGE_ROWS_WITH_BODIES = 50;

/** The filters of an export: those of the log, without its paging. */
export type ExportFilter = Omit<RequestLogFilter, "before" | "after" | "limit">;

/**
 * Throws what exportedRequests would throw for `filter` at its first row (AppError, invalid_input),
 * without reading anything: the download checks it before it starts, then streams.
 */
export function checkExportFilter(filter: ExportFilter): void {
  parseInput(requestLogFilterSchema, filter);
}

/**
 * The rows matching `filter`, newest first, at most `maxRows`, read a page at a time so memory
 * stays flat however many there are. Validates the filter before the first row (AppError).
 */
export function exportedRequests(
  db: Db,
  filter: ExportFilter,
  maxRows?: number,
): AsyncGenerator<ExportedRequest>;
export function exportedRequests(
  db: Db,
  filter: ExportFilter,
  maxRows: number | undefined,
  options: { bodies: true },
): AsyncGenerator<ExportedRequestWithBodies>;
/**
 * With `bodies`, each request also carries its kept bodies (exportedBody), read a smaller page at
 * a time.
 */
export async function* exportedRequests(
  db: Db,
  filter: ExportFilter,
  maxRows = EXPORT_MAX_ROWS,
  options: { bodies?: boolean } = {},
): AsyncGenerator<ExportedRequest | ExportedRequestWithBodies> {
  let left = maxRows;
  const pageRows = options.bodies ? PAGE_ROWS_WITH_BODIES : PAGE_ROWS;
  // A window of the log at a time (searchRequestLogs): a rare filter over millions of rows is many
  // short statements, not one that runs into the query timeout.
  for await (const found of searchRequestLogs(db, filter, { pageRows })) {
    const page = { ...found, rows: found.rows.slice(0, left) };
    const bodies = options.bodies
      ? await keptBodiesOf(
          db,
          filter.name,
          page.rows.filter((r) => r.bodiesKept).map((r) => r.id),
        )
      : null;
    for (const row of page.rows) {
      const request = toExportedRequest(row);
      if (!bodies) {
        yield request;
        continue;
      }
      yield withBodies(request, bodies.get(row.id));
    }
    left -= page.rows.length;
    if (left <= 0) return;
  }
}

/**
 * The export file as text chunks: CSV (with a byte-order mark, so spreadsheets read it as UTF-8,
 * and a header line) or JSON lines (one ExportedRequest per line). CSV's first chunk is its header,
 * before any row is asked for; then one chunk per page of rows, and at least one chunk in all.
 */
export async function* exportChunks(
  requests: AsyncIterable<ExportedRequest>,
  format: ExportFormat,
): AsyncGenerator<string> {
  // The header at once: with a rare filter the first match may be many windows of the log away
  // (12.8 s for none in 2.6M rows), and a download that shows nothing meanwhile looks broken.
  if (format === "csv") yield `\uFEFF${CSV_COLUMNS.join(",")}\r\n`;
  let chunk = "";
  let count = 0;
  for await (const request of requests) {
    chunk += format === "csv" ? csvLine(request) : `${JSON.stringify(request)}\n`;
    count += 1;
    if (count % PAGE_ROWS === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk || (count === 0 && format !== "csv")) yield chunk;
}
