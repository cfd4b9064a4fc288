import type { RequestLogRow } from "../../lib/request-logs/query.ts";
import { sanitize } from "../ssh/terminal.ts";
import { formatBytes, formatDuration, formatTime, truncate } from "./format.ts";

// One request a line, as `burrow logs` and the relay's `ssh … logs` print the log.

export const LOG_HEADERS = [
  "TIME",
  "METHOD",
  "PATH",
  "STATUS",
  "DURATION",
  "SIZE",
  "CLIENT IP",
  "ANSWERED BY RELAY",
];
/** Fixed widths rather than a fitted table, so lines printed later by --follow line up. */
const WIDTHS = [19, 7, 40, 6, 8, 8, 15];

export function formatLine(cells: string[]): string {
  return cells
    .map((cell, i) => cell.padEnd(WIDTHS[i] ?? 0))
    .join("  ")
    .trimEnd();
}

/** A row's cells; `time` writes its time (the machine's local time by default). */
export function toCells(row: RequestLogRow, time: (at: Date) => string = formatTime): string[] {
  return [
    time(row.at),
    row.upgrade ? `${row.method} (ws)` : row.method,
    truncate(sanitize(row.path), 60),
    String(row.status),
    row.openState === "open"
      ? "open"
      : row.openState === "unrecorded"
        ? "unknown"
        : formatDuration(row.durationMs),
    row.openState === "open" ? "-" : formatBytes(row.bytesOut),
    row.clientIp,
    // Why the relay answered instead of the app: its error, or its access page (e.g.
    // password_wrong). Last, so it does not push the other columns out of line.
    row.error ?? row.accessPage ?? "",
  ];
}
