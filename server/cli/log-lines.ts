import type { RequestLogRow } from "../../lib/request-logs/query.ts";
import { ACCESS_PAGES, REQUEST_LOG_ERRORS } from "../../lib/request-logs/row.ts";
import { formatBytes, truncate } from "../../lib/web/format.ts";
import { sanitize } from "../ssh/terminal.ts";
import { formatDuration, formatTime } from "./format.ts";

/** The longest error or access page a row can note (a share link's label is cut to it). */
const NOTE_WIDTH = Math.max(...[...REQUEST_LOG_ERRORS, ...ACCESS_PAGES].map((note) => note.length));

// One request a line, as `burrow logs` and the relay's `ssh … logs` print the log.

export const LOG_HEADERS = [
  "TIME",
  "METHOD",
  "PATH",
  "STATUS",
  "DURATION",
  "SIZE",
  // What the relay noted: why it answered instead of the app (its error, or its access page), or
  // how the request ended (the visitor went away): not always an answer of the relay's.
  "NOTE",
  // Last: an IPv6 address is up to 39 characters and would push any column after it out of line.
  "CLIENT IP",
];
/**
 * Fixed widths rather than a fitted table, so lines printed later by --follow line up. METHOD fits
 * "GET (ws)"; SIZE fits "99.9 MB out"; NOTE the longest error or access page.
 */
const WIDTHS = [19, 8, 40, 6, 8, 11, NOTE_WIDTH];
const METHOD_WIDTH = WIDTHS[1]!;
const PATH_WIDTH = WIDTHS[2]!;

export function formatLine(cells: string[]): string {
  return cells
    .map((cell, i) => cell.padEnd(WIDTHS[i] ?? 0))
    .join("  ")
    .trimEnd();
}

/** What a log line shows of a row. */
export type LogLineRow = Pick<
  RequestLogRow,
  | "at"
  | "method"
  | "upgrade"
  | "path"
  | "status"
  | "openState"
  | "durationMs"
  | "bytesIn"
  | "bytesOut"
  | "clientIp"
  | "error"
  | "accessPage"
  | "admission"
  | "shareLinkLabel"
>;

/** A row's cells; `time` writes its time (the machine's local time by default). */
export function toCells(row: LogLineRow, time: (at: Date) => string = formatTime): string[] {
  return [
    time(row.at),
    // Cut to their columns (with "…"), or every column after them would shift right.
    truncate(row.upgrade ? `${row.method} (ws)` : row.method, METHOD_WIDTH),
    truncate(sanitize(row.path), PATH_WIDTH),
    String(row.status),
    row.openState === "open"
      ? "open"
      : row.openState === "unrecorded"
        ? "unknown"
        : formatDuration(row.durationMs),
    row.openState === "open" ? "-" : size(row),
    note(row),
    row.clientIp,
  ];
}

/**
 * Its error or access page (e.g. client_aborted, password_wrong); else how it was let in when that
 * was not simply public, as the dashboard's Access column says it: a replay must not pass for a
 * visitor's request.
 */
function note(row: LogLineRow): string {
  if (row.error ?? row.accessPage) return row.error ?? row.accessPage ?? "";
  switch (row.admission) {
    case "PASSWORD":
      return "password";
    case "SHARE_LINK":
      // Cut to the column: a long label would push CLIENT IP out of line.
      return row.shareLinkLabel === null
        ? "share link"
        : truncate(`share link: ${sanitize(row.shareLinkLabel)}`, NOTE_WIDTH);
    case "REPLAY":
      return "replay";
    default:
      return "";
  }
}

/**
 * The larger of what the request sent in and what went back out, with its direction: an upload's
 * size is its request body, which the response's "31 B" alone would hide. In the dashboard's units
 * (decimal kB, MB), so the same row shows the same size in both.
 */
function size(row: Pick<RequestLogRow, "bytesIn" | "bytesOut">): string {
  return row.bytesIn > row.bytesOut ? `${formatBytes(row.bytesIn)} in` : `${formatBytes(row.bytesOut)} out`;
}
