// Pure: the log's status filter, a class of answers ("5xx") or one exact code ("404"), shared by the
// query layer, the dashboard's URL and `burrow logs --status`.

export const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;

/** What a status filter may be, for "Use …" (the query layer, so the CLI) and the log page's notice. */
export const STATUS_FILTER_HINT = "2xx, 3xx, 4xx or 5xx, or a status code such as 404";

/**
 * The statuses a filter matches, as a half-open range, or null when the text is not a filter.
 * Exact codes go from 100 (101 is how WebSocket upgrades are logged) to 599. None takes in 0, the
 * status of a request still waiting for the app's answer (row.ts waitingState), nor does 5xx's
 * request_is_error (its row has no error yet): it has no answer to match, and is matched by its
 * answer's status once that comes (the row is completed in place; a follower prints it then).
 */
export function statusRange(text: string): { gte: number; lt: number } | null {
  const filter = text.trim().toLowerCase();
  if ((STATUS_CLASSES as readonly string[]).includes(filter)) {
    const gte = Number(filter[0]) * 100;
    return { gte, lt: gte + 100 };
  }
  if (!/^[1-5][0-9][0-9]$/.test(filter)) return null;
  const code = Number(filter);
  return { gte: code, lt: code + 1 };
}

/** The filter as the URL and the form write it ("5XX " -> "5xx"), or null when it is none. */
export function normaliseStatusFilter(text: string): string | null {
  return statusRange(text) === null ? null : text.trim().toLowerCase();
}
