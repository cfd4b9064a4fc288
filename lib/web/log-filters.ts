// Pure: the request log's filters as they live in the URL, shared by the page, the client table and
// the route handlers. The query layer (lib/request-logs) validates them again.

export const STATUS_FILTERS = ["2xx", "3xx", "4xx", "5xx"] as const;
export const METHOD_FILTERS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export const RANGE_FILTERS = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
} as const;

export type StatusFilter = (typeof STATUS_FILTERS)[number];
export type RangeFilter = keyof typeof RANGE_FILTERS;

export interface LogFilters {
  status?: StatusFilter;
  method?: string;
  path?: string;
  range?: RangeFilter;
}

type Params = Record<string, string | string[] | undefined> | URLSearchParams;

function read(params: Params, key: string): string | undefined {
  const value = params instanceof URLSearchParams ? params.get(key) : params[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** Unknown or malformed values are dropped rather than failing the page. */
export function parseLogFilters(params: Params): LogFilters {
  const status = read(params, "status");
  const method = read(params, "method")?.toUpperCase();
  const path = read(params, "path")?.slice(0, 500);
  const range = read(params, "range");
  return {
    ...(status && (STATUS_FILTERS as readonly string[]).includes(status)
      ? { status: status as StatusFilter }
      : {}),
    ...(method && /^[A-Z]{1,16}$/.test(method) ? { method } : {}),
    ...(path ? { path } : {}),
    ...(range && range in RANGE_FILTERS ? { range: range as RangeFilter } : {}),
  };
}

/** The filters as a query string (stable key order, empty values left out). */
export function logFiltersToQuery(filters: LogFilters): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.method) params.set("method", filters.method);
  if (filters.path) params.set("path", filters.path);
  if (filters.range) params.set("range", filters.range);
  return params.toString();
}

/** The filters in the shape of lib/request-logs' requestLogFilterSchema (relative range -> from). */
export function toQueryFilter(name: string, filters: LogFilters, now: number) {
  return {
    name,
    statusClass: filters.status,
    method: filters.method,
    pathContains: filters.path,
    from: filters.range ? new Date(now - RANGE_FILTERS[filters.range]) : undefined,
  };
}

export function hasFilters(filters: LogFilters): boolean {
  return Boolean(filters.status || filters.method || filters.path || filters.range);
}
