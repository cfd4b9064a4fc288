// Pure: the request log's filters as they live in the URL, shared by the page, the client table and
// the route handlers. The query layer (lib/request-logs) validates them again.
import { AppError } from "../errors.ts";
import { normalizeIpAddress } from "../forwarding/ip-address.ts";
import { REQUEST_ID } from "../request-logs/request-id.ts";
import { normaliseStatusFilter, STATUS_CLASSES, STATUS_FILTER_HINT } from "../request-logs/status-filter.ts";

/** The status choices the form offers; a link (Only 404 answers) may carry one exact code. */
export const STATUS_FILTERS = STATUS_CLASSES;
export const METHOD_FILTERS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

/**
 * The methods the form offers: the common ones, and the filter's own when a link names another
 * (PROPFIND, a typo such as FOO): the select shows the method applied, not "Any" beside an empty log.
 */
export function methodChoices(active: string | undefined): readonly string[] {
  const common: readonly string[] = METHOD_FILTERS;
  return active && !common.includes(active) ? [...common, active] : common;
}

export const RANGE_FILTERS = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
} as const;

export type RangeFilter = keyof typeof RANGE_FILTERS;

export interface LogFilters {
  /** A class ("5xx") or one exact code ("404"), as normaliseStatusFilter writes it. */
  status?: string;
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

/** An ISO instant, normalised, or null for anything that is not a date. */
function toInstant(value: string): string | null {
  if (value.length > 40) return null;
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}

/** A filter of the URL that could not be read: its search param, the text, and what it takes. */
export interface UnreadFilter {
  param: string;
  value: string;
  hint: string;
}

/** A free-text search: any text, cut at 500 characters; it cannot be unreadable. */
const FREE_TEXT = { read: (text: string) => text.slice(0, 500), hint: "" };

/**
 * Each filter-taking search param: how its text becomes the filter's value (null when it cannot)
 * and what to say when it cannot. The free-text searches take anything, cut at 500 characters.
 */
const READERS = {
  status: { read: normaliseStatusFilter, hint: STATUS_FILTER_HINT },
  method: {
    read: (text: string) => (/^[A-Z]{1,16}$/.test(text.toUpperCase()) ? text.toUpperCase() : null),
    hint: "an HTTP method such as GET",
  },
  path: FREE_TEXT,
  header: FREE_TEXT,
  body: FREE_TEXT,
  ip: { read: normalizeIpAddress, hint: "one IPv4 or IPv6 address" },
  range: {
    read: (text: string) => (text in RANGE_FILTERS ? text : null),
    hint: Object.keys(RANGE_FILTERS)
      .join(", ")
      .replace(/, (?=[^,]*$)/, " or "),
  },
  from: { read: toInstant, hint: "a date and time such as 2026-12-05T14:00Z" },
  to: { read: toInstant, hint: "a date and time such as 2026-12-05T18:00Z" },
} satisfies Record<keyof LogFilters, { read: (text: string) => string | null; hint: string }>;

/**
 * The filters of a log page's URL, and the ones it has that cannot be read (a link edited by hand,
 * `status=500x`): those are left out, and the page says so rather than quietly showing everything.
 */
export function readLogFilters(params: Params): { filters: LogFilters; unread: UnreadFilter[] } {
  const filters: LogFilters = {};
  const unread: UnreadFilter[] = [];
  for (const [param, { read: toValue, hint }] of Object.entries(READERS)) {
    const text = read(params, param);
    if (text === undefined) continue;
    const value = toValue(text);
    if (value === null) unread.push({ param, value: text.slice(0, 100), hint });
    // Each reader returns only what its filter takes (range: a key of RANGE_FILTERS).
    else (filters as Record<string, string>)[param] = value;
  }
  // A custom window replaces the relative one.
  if (filters.from || filters.to) delete filters.range;
  return { filters, unread };
}

/** The filters that can be read; what cannot is left out (readLogFilters says which). */
export function parseLogFilters(params: Params): LogFilters {
  return readLogFilters(params).filters;
}

/**
 * The filters of an API request (the log's pages, its download): the dashboard only sends filters
 * it wrote, so one that cannot be read is refused rather than left out of what is returned.
 */
export function requireLogFilters(params: Params): LogFilters {
  const { filters, unread } = readLogFilters(params);
  const [first] = unread;
  if (first) throw new AppError("invalid_input", unreadFilterMessage(first));
  return filters;
}

/** An unread filter in words, for the page's notice and the API's 400. */
export function unreadFilterMessage({ param, value, hint }: UnreadFilter): string {
  return `${param}=“${value}” is not a filter: use ${hint}`;
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
    status: filters.status,
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
