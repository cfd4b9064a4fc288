// Pure: the request log's filters as they live in the URL, shared by the page, the client table and
// the route handlers. The query layer (lib/request-logs) validates them again.
import { normalizeIpAddress } from "../forwarding/ip-address.ts";
import { REQUEST_ID } from "../request-logs/request-id.ts";

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
  /** Text in a header's name or value (the `header` search param). */
  header?: string;
  /** Text in a kept request or response body (the `body` search param). */
  body?: string;
  /** One visitor's address, exactly (the `ip` search param). */
  ip?: string;
  /** A window ending now; ignored when `from` or `to` is set. */
  range?: RangeFilter;
  /** A custom window (ISO instants), either end open. */
  from?: string;
  to?: string;
}

type Params = Record<string, string | string[] | undefined> | URLSearchParams;

function read(params: Params, key: string): string | undefined {
  const value = params instanceof URLSearchParams ? params.get(key) : params[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** An ISO instant, normalised, or undefined for anything that is not a date. */
function readInstant(params: Params, key: string): string | undefined {
  const value = read(params, key);
  if (!value || value.length > 40) return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

/** Unknown or malformed values are dropped rather than failing the page. */
export function parseLogFilters(params: Params): LogFilters {
  const status = read(params, "status");
  const method = read(params, "method")?.toUpperCase();
  const path = read(params, "path")?.slice(0, 500);
  const header = read(params, "header")?.slice(0, 500);
  const body = read(params, "body")?.slice(0, 500);
  const ip = normalizeIpAddress(read(params, "ip") ?? "");
  const from = readInstant(params, "from");
  const to = readInstant(params, "to");
  const range = from || to ? undefined : read(params, "range");
  return {
    ...(status && (STATUS_FILTERS as readonly string[]).includes(status)
      ? { status: status as StatusFilter }
      : {}),
    ...(method && /^[A-Z]{1,16}$/.test(method) ? { method } : {}),
    ...(path ? { path } : {}),
    ...(header ? { header } : {}),
    ...(body ? { body } : {}),
    ...(ip ? { ip } : {}),
    ...(range && range in RANGE_FILTERS ? { range: range as RangeFilter } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** Why a custom window cannot match anything, for the form to say before applying it. */
export function rangeProblem(filters: LogFilters): string | null {
  if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
    return "The start of the time range must be before its end";
  }
  return null;
}

/** The filters as a query string (stable key order, empty values left out). */
export function logFiltersToQuery(filters: LogFilters): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.method) params.set("method", filters.method);
  if (filters.path) params.set("path", filters.path);
  if (filters.header) params.set("header", filters.header);
  if (filters.body) params.set("body", filters.body);
  if (filters.ip) params.set("ip", filters.ip);
  if (filters.range) params.set("range", filters.range);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  return params.toString();
}

/** The filters in the shape of lib/request-logs' requestLogFilterSchema (relative range -> from). */
export function toQueryFilter(name: string, filters: LogFilters, now: number) {
  const relativeFrom = filters.range ? new Date(now - RANGE_FILTERS[filters.range]) : undefined;
  return {
    name,
    statusClass: filters.status,
    method: filters.method,
    pathContains: filters.path,
    headersContain: filters.header,
    bodiesContain: filters.body,
    clientIp: filters.ip,
    from: filters.from ? new Date(filters.from) : relativeFrom,
    to: filters.to ? new Date(filters.to) : undefined,
  };
}

export function hasFilters(filters: LogFilters): boolean {
  return Boolean(
    filters.status ||
      filters.method ||
      filters.path ||
      filters.header ||
      filters.body ||
      filters.ip ||
      filters.range ||
      filters.from ||
      filters.to,
  );
}

/** The search param of a request's own link: the log page opens that request above the table. */
export const LINKED_REQUEST_PARAM = "request";

/**
 * The request a log page's URL links to: its id, "invalid" for a value that cannot be an id (a link
 * mangled when pasted), or undefined when the URL links to none.
 */
export function readLinkedRequest(params: Params): string | "invalid" | undefined {
  const value = read(params, LINKED_REQUEST_PARAM);
  if (value === undefined) return undefined;
  return REQUEST_ID.test(value) ? value : "invalid";
}

/**
 * Where request `id` of the log is shown, with the filters the log has (so closing it goes back to
 * the same log). `base` is the page's path, or the dashboard's address and path for a link to copy.
 */
export function linkedRequestHref(base: string, filters: LogFilters, id: string): string {
  const query = logFiltersToQuery(filters);
  return `${base}?${query ? `${query}&` : ""}${LINKED_REQUEST_PARAM}=${id}`;
}
