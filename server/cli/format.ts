/** Plain-text tables and units for the CLI's listings. */

import { sanitize } from "../ssh/terminal.ts";

/**
 * Left-aligned columns separated by two spaces; the header is upper-cased. Control characters in a
 * cell (a key label or comment its owner chose: ESC sequences, a newline) are shown as "?": they
 * would break the columns, or drive the admin's terminal.
 */
export function formatTable(headers: string[], unsafeRows: string[][]): string {
  const rows = unsafeRows.map((row) => row.map(sanitize));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join("\n");
}

/** "2026-11-21 16:04:32" in local time: what a person compares with their own logs. */
export function formatTime(date: Date | null | undefined): string {
  if (!date) return "-";
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

export function formatDuration(ms: number): string {
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** What `--json` means for the listing commands, in their --help. */
export const JSON_OPTION_HELP =
  "  --json   one JSON object per line instead of the table (nothing when empty)";
