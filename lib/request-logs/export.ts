/**
 * A name's request log as a file, read a page at a time: the dashboard's download. Like query.ts,
 * ownership is the caller's job.
 */
import type { Db } from "../db.ts";
import {
  CSV_COLUMNS,
  csvLine,
  EXPORT_MAX_ROWS,
  type ExportedRequest,
  type ExportFormat,
  toExportedRequest,
} from "./export-format.ts";
import { listRequestLogs, type RequestLogFilter } from "./query.ts";

/** Rows per query while exporting (listRequestLogs' largest page). */
const PAGE_ROWS = 200;

/** The filters of an export: those of the log, without its paging. */
export type ExportFilter = Omit<RequestLogFilter, "before" | "after" | "limit">;

/**
 * The rows matching `filter`, newest first, at most `maxRows`, read a page at a time so memory
 * stays flat however many there are. Validates the filter before the first row (AppError).
 */
export async function* exportedRequests(
  db: Db,
  filter: ExportFilter,
  maxRows = EXPORT_MAX_ROWS,
): AsyncGenerator<ExportedRequest> {
  let before: string | undefined;
  let left = maxRows;
  while (left > 0) {
    const page = await listRequestLogs(db, { ...filter, before, limit: Math.min(PAGE_ROWS, left) });
    for (const row of page.rows) yield toExportedRequest(row);
    left -= page.rows.length;
    if (page.nextCursor === null) return;
    before = page.nextCursor;
  }
}

/**
 * The export file as text chunks: CSV (with a byte-order mark, so spreadsheets read it as UTF-8,
 * and a header line) or JSON lines (one ExportedRequest per line). One chunk per page of rows, and
 * at least one.
 */
export async function* exportChunks(
  requests: AsyncIterable<ExportedRequest>,
  format: ExportFormat,
): AsyncGenerator<string> {
  // The CSV header goes with the first page: the first chunk is only ready once the first query
  // has answered (the dashboard waits for it to tell a failure from a download).
  let chunk = format === "csv" ? `\uFEFF${CSV_COLUMNS.join(",")}\r\n` : "";
  let count = 0;
  for await (const request of requests) {
    chunk += format === "csv" ? csvLine(request) : `${JSON.stringify(request)}\n`;
    count += 1;
    if (count % PAGE_ROWS === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk || count === 0) yield chunk;
}
