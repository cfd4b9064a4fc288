import type { LogRow } from "./tunnel-dto.ts";

/**
 * The log's rows (newest first) with `answered` put in their places by id: requests the live tail's
 * answer filter left out while they waited for the app, whose answer now matches (LogPage.answered).
 * One already shown is not shown twice. One older than what is loaded (below `loadedFrom`, where
 * "Older" goes on from; null when everything is) is left for "Older", which would bring it again.
 */
export function withAnsweredRows(
  rows: readonly LogRow[],
  answered: readonly LogRow[],
  loadedFrom: string | null,
): LogRow[] {
  const shown = new Set(rows.map((row) => row.id));
  const joining = answered.filter(
    (row) => !shown.has(row.id) && (loadedFrom === null || BigInt(row.id) >= BigInt(loadedFrom)),
  );
  const merged = [...rows];
  for (const row of joining) {
    const below = merged.findIndex((other) => BigInt(other.id) < BigInt(row.id));
    merged.splice(below === -1 ? merged.length : below, 0, row);
  }
  return merged;
}
