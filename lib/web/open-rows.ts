import type { LogRow } from "./tunnel-dto.ts";

/**
 * The ids of log rows shown open (WebSockets, event streams), newest first, after a live-tail fetch
 * brought `newer` rows and the current state of open ones (`refreshed`): rows that ended leave,
 * new open rows join. The log asks the next fetch to refresh these, which is how it sees them end.
 */
export function openRowIds(
  previous: readonly string[],
  newer: readonly Pick<LogRow, "id" | "openState">[],
  refreshed: ReadonlyMap<string, Pick<LogRow, "openState">>,
  max: number,
): string[] {
  const stillOpen = previous.filter((id) => {
    const row = refreshed.get(id);
    return !row || row.openState === "open";
  });
  const opened = newer.filter((row) => row.openState === "open").map((row) => row.id);
  return [...opened, ...stillOpen].slice(0, max);
}
