// The log options of `burrow logs` and the relay's `ssh … logs`, checked before the database is asked.
import { type RequestLogFilter, requestLogFilterSchema } from "../../lib/request-logs/query.ts";
import { UsageError } from "./command.ts";
import { parseDuration } from "./duration.ts";

/**
 * A -n (--limit) value: digits only, 1 to 200, 20 when not given. Number() alone took "1e1", "0x10"
 * and " 5" for counts.
 */
export function parseCount(text: string | undefined, problem: string): number {
  if (text === undefined) return 20;
  const count = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1 && count <= 200)) throw new UsageError(problem);
  return count;
}

/** A date and time with no zone of its own ("2026-12-05 14:00", "2026-12-05T14:00:30"). */
const ZONELESS = /^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/**
 * Reads a --from/--to time. Date.parse reads "2026-12-05 14:00" in the machine's own time zone and
 * "…Z" as UTC; in `utc` mode (the relay's commands, whose machine's zone is not the user's) a time
 * without a zone is UTC.
 */
function instant(option: string, text: string, utc: boolean): Date {
  const zoned = utc && ZONELESS.test(text.trim()) ? `${text.trim()}Z` : text;
  const time = text.length <= 40 ? Date.parse(zoned) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new UsageError(
      utc
        ? `${option} takes a date and time in UTC such as 2026-12-05T14:00, or with its zone: 2026-12-05T14:00+01:00`
        : `${option} takes a date and time such as 2026-12-05T14:00Z, or 2026-12-05 14:00 in this machine's time`,
    );
  }
  return new Date(time);
}

/**
 * `burrow logs`' time window: --since (the last 15m, 2h, 7d…) or --from, and --to. Checked before
 * the database is asked, each problem named by its option. `utc`: times without a zone are UTC.
 */
export function logWindow(
  options: { since?: string; from?: string; to?: string; follow?: boolean },
  now: number,
  { utc = false }: { utc?: boolean } = {},
): { from?: Date; to?: Date } {
  const { since, from, to, follow } = options;
  if (since !== undefined && from !== undefined) {
    throw new UsageError("--since and --from both say where the log starts: use one");
  }
  if (to !== undefined && follow) {
    throw new UsageError("--follow prints requests as they arrive, which --to would hide: drop --to");
  }
  let start: Date | undefined;
  if (since !== undefined) {
    const ms = parseDuration(since);
    if (ms === null) throw new UsageError("--since takes a duration such as 30m, 2h or 7d");
    start = new Date(now - ms);
  } else if (from !== undefined) {
    start = instant("--from", from, utc);
  }
  const end = to === undefined ? undefined : instant("--to", to, utc);
  if (start && end && start >= end) throw new UsageError("The window must start before it ends (--to)");
  return { ...(start && { from: start }), ...(end && { to: end }) };
}

/** The option each filter comes from, to name it when its value is refused. */
const FILTER_OPTIONS: Partial<Record<keyof RequestLogFilter, string>> = {
  status: "--status",
  method: "--method",
  pathContains: "--path",
  headersContain: "--header",
  bodiesContain: "--body",
  clientIp: "--ip",
};

/**
 * Checks the filters before touching the database, naming the option a message is about: the
 * query layer's messages are written for the dashboard's form fields ("Use 2xx, …").
 */
export function checkFilters(filters: RequestLogFilter): void {
  const parsed = requestLogFilterSchema.safeParse(filters);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const option = FILTER_OPTIONS[issue?.path[0] as keyof RequestLogFilter];
  throw new UsageError(`${option ? `${option}: ` : ""}${issue?.message ?? "invalid filter"}`);
}

/** The options that narrow the log (the dashboard's filters), as both commands take them. */
export const FILTER_FLAGS = [
  "status",
  "method",
  "path",
  "header",
  "body",
  "ip",
  "since",
  "from",
  "to",
] as const;

/** FILTER_FLAGS for parseCommandArgs: each takes a value. */
export const FILTER_ARGS = {
  status: { type: "string" },
  method: { type: "string" },
  path: { type: "string" },
  header: { type: "string" },
  body: { type: "string" },
  ip: { type: "string" },
  since: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
} as const;

type FilterValues = Partial<Record<(typeof FILTER_FLAGS)[number], string>> & { follow?: boolean };

/** Whether any filter option was given ("no requests match these filters" rather than "none yet"). */
export function hasFilterOptions(values: FilterValues): boolean {
  return FILTER_FLAGS.some((flag) => values[flag] !== undefined);
}

/**
 * The query filter the options ask for, checked against the query layer's own schema before the
 * database is asked (checkFilters). `utc`: times without a zone are UTC (logWindow).
 */
export function filtersFromOptions(
  name: string,
  values: FilterValues,
  now: number,
  zone: { utc?: boolean } = {},
): RequestLogFilter {
  const filters: RequestLogFilter = {
    name,
    status: values.status,
    method: values.method,
    pathContains: values.path,
    headersContain: values.header,
    bodiesContain: values.body,
    clientIp: values.ip,
    ...logWindow(values, now, zone),
  };
  checkFilters(filters);
  return filters;
}
