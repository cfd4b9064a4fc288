"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, useTransition } from "react";
import { isoToLocal, localToIso } from "@/lib/web/local-time";
import {
  hasFilters,
  type LogFilters,
  logFiltersToQuery,
  methodChoices,
  parseLogFilters,
  rangeProblem,
  STATUS_FILTERS,
} from "@/lib/web/log-filters";
import { Button } from "../ui/button";

const selectClass =
  "mt-1 block w-full rounded-md border-0 bg-white dark:bg-zinc-900 px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-zinc-300 dark:ring-zinc-700 ring-inset focus:ring-2 focus:ring-indigo-600 dark:focus:ring-indigo-500 focus:outline-none";

/** The form's fields, each named so in the form (see `field`). */
const DRAFT_FIELDS = ["status", "method", "path", "header", "body", "range", "fromLocal", "toLocal"] as const;
type DraftField = (typeof DRAFT_FIELDS)[number];

/** Every field empty: what "Clear" sets. */
const EMPTY_DRAFT: Record<DraftField, string> = {
  status: "",
  method: "",
  path: "",
  header: "",
  body: "",
  range: "",
  fromLocal: "",
  toLocal: "",
};

/** Each filter, in the form's order; the id suffix of its field, but ip (a button, see below). */
const FILTER_KEYS = ["status", "method", "path", "header", "body", "ip", "range", "from", "to"] as const;

/** The free-text filters: substrings, case-insensitive. */
const TEXT_FILTERS = [
  { key: "path", label: "Path contains", placeholder: "/api/" },
  { key: "header", label: "Headers contain", placeholder: "x-request-id" },
  // Only rows whose bodies were kept (Keep bodies) can match; compressed answers by their decoded start.
  { key: "body", label: "Bodies contain", placeholder: "order_id" },
] as const satisfies readonly { key: DraftField; label: string; placeholder: string }[];

/** The two ends of a custom time range, entered in the browser's own time. */
const RANGE_ENDS = [
  { key: "fromLocal", suffix: "from", label: "From (your time)" },
  { key: "toLocal", suffix: "to", label: "To (your time)" },
] as const satisfies readonly { key: DraftField; suffix: string; label: string }[];

/** Filters live in the URL, so a filtered view can be bookmarked and shared with yourself. */
export function LogFiltersForm({ filters }: { filters: LogFilters }) {
  const id = useId();
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  // Controlled, so "Clear" empties the fields as well as the URL. `range` is "custom" for a window
  // given by its ends, which are edited in the browser's time zone.
  const [draft, setDraft] = useState<Record<DraftField, string>>(() => draftOf(filters));
  const [error, setError] = useState<string | null>(null);
  // After hydration only: the server does not know the browser's time zone.
  useEffect(() => {
    setDraft((d) => ({ ...d, fromLocal: isoToLocal(filters.from), toLocal: isoToLocal(filters.to) }));
  }, [filters.from, filters.to]);
  // A field changed while the page was still loading keeps the change on screen, but no onChange
  // heard it (React was not running yet), and the next render (the effect above) put the field
  // back to the state's value: a Status chosen at once went back to Any and Apply did nothing.
  // What such fields show differs from what the server wrote into them, and is taken as chosen.
  const form = useRef<HTMLFormElement>(null);
  const served = useRef(draft);
  useEffect(() => {
    const chosen: Partial<Record<DraftField, string>> = {};
    for (const key of DRAFT_FIELDS) {
      const element = form.current?.elements.namedItem(key);
      const value =
        element instanceof HTMLInputElement || element instanceof HTMLSelectElement
          ? element.value
          : undefined;
      if (value !== undefined && value !== served.current[key]) chosen[key] = value;
    }
    if (Object.keys(chosen).length > 0) setDraft((d) => ({ ...d, ...chosen }));
  }, []);
  // New filters in the URL (this form applied, or a link such as Only this path) show in the fields.
  // The form is updated in place rather than mounted anew (a key on it did that): a new form dropped
  // the keyboard focus of whoever had just pressed Enter in a field, or Clear, to <body>.
  const query = logFiltersToQuery(filters);
  const [shownQuery, setShownQuery] = useState(query);
  if (query !== shownQuery) {
    setShownQuery(query);
    // Only ever after hydration (the URL changed), so the browser's time zone is known here.
    setDraft({ ...draftOf(filters), fromLocal: isoToLocal(filters.from), toLocal: isoToLocal(filters.to) });
    setError(null);
  }
  // Clear and Show every visitor go once they are done: focus moves to Apply filters, beside them,
  // instead of being dropped with them.
  const applyButton = useRef<HTMLButtonElement>(null);
  // A link in a request's details (Only this path, Only 404 answers, Only this visitor) goes with
  // the log it was in, which the new filters replace: focus moves to the filter it set (the field
  // that now shows it) instead of dropping to <body>. Only when focus was dropped: never on load.
  const everyVisitorButton = useRef<HTMLButtonElement>(null);
  const previousFilters = useRef(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query says when the filters changed; the object is new on every render of the page
  useEffect(() => {
    const before = previousFilters.current;
    previousFilters.current = filters;
    const active = document.activeElement;
    if (active !== null && active !== document.body) return;
    const changed = FILTER_KEYS.find((key) => before[key] !== filters[key]);
    if (changed === "ip") everyVisitorButton.current?.focus();
    else if (changed) document.getElementById(`${id}-${changed}`)?.focus();
  }, [query]);
  const field = (key: DraftField) => ({
    name: key,
    value: draft[key],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value }),
  });

  const apply = (next: LogFilters) => {
    const query = logFiltersToQuery(next);
    // A history entry per applied filter: Back undoes the last one, as the URLs are made to be
    // shared (the page re-renders for the URL Back goes to, and the form follows it below).
    startTransition(() => router.push(query ? `${pathname}?${query}` : pathname, { scroll: false }));
  };

  return (
    <form
      ref={form}
      aria-label="Filter requests"
      className="grid grid-cols-2 gap-3 sm:grid-cols-[8rem_8rem_1fr_1fr_1fr_9rem_auto]"
      onSubmit={(event) => {
        event.preventDefault();
        const { status, method, path, header, body, range } = draft;
        const custom = range === "custom";
        // The visitor filter is set from a request's details and kept until removed below.
        const ip = filters.ip;
        const next = parseLogFilters(
          custom
            ? {
                status,
                method,
                path,
                header,
                body,
                ip,
                from: localToIso(draft.fromLocal),
                to: localToIso(draft.toLocal),
              }
            : { status, method, path, header, body, ip, range },
        );
        const problem =
          custom && !next.from && !next.to ? "Pick a start or an end for the time range" : rangeProblem(next);
        setError(problem);
        if (!problem) apply(next);
      }}
    >
      <div>
        <label htmlFor={`${id}-status`} className="text-xs font-medium text-zinc-600 dark:text-zinc-400">
          Status
        </label>
        <select id={`${id}-status`} {...field("status")} className={selectClass}>
          <option value="">Any</option>
          {STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
          {/* One exact code comes from a link (Only 404 answers) and stays a choice until changed. */}
          {filters.status && !(STATUS_FILTERS as readonly string[]).includes(filters.status) && (
            <option value={filters.status}>{filters.status}</option>
          )}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-method`} className="text-xs font-medium text-zinc-600 dark:text-zinc-400">
          Method
        </label>
        <select id={`${id}-method`} {...field("method")} className={selectClass}>
          <option value="">Any</option>
          {methodChoices(filters.method).map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </div>
      {TEXT_FILTERS.map(({ key, label, placeholder }) => (
        <div key={key} className="col-span-2 sm:col-span-1">
          <label htmlFor={`${id}-${key}`} className="text-xs font-medium text-zinc-600 dark:text-zinc-400">
            {label}
          </label>
          <input
            id={`${id}-${key}`}
            {...field(key)}
            type="search"
            placeholder={placeholder}
            maxLength={500}
            // Paths, header and body text: a phone's capitals and corrections would change the search.
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            className={selectClass}
          />
        </div>
      ))}
      <div>
        <label htmlFor={`${id}-range`} className="text-xs font-medium text-zinc-600 dark:text-zinc-400">
          Time range
        </label>
        <select id={`${id}-range`} {...field("range")} className={selectClass}>
          <option value="">All time</option>
          <option value="15m">Last 15 minutes</option>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="custom">Custom…</option>
        </select>
      </div>
      <div className="flex items-end gap-2">
        <Button ref={applyButton} type="submit" size="sm" pending={pending}>
          Apply filters
        </Button>
        {hasFilters(filters) && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setDraft(EMPTY_DRAFT);
              setError(null);
              applyButton.current?.focus();
              apply({});
            }}
          >
            Clear
          </Button>
        )}
      </div>
      {filters.ip && (
        <p className="col-span-full flex flex-wrap items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
          <span>
            Only requests from <span className="font-mono">{filters.ip}</span>
          </span>
          <Button
            ref={everyVisitorButton}
            variant="ghost"
            size="sm"
            onClick={() => {
              applyButton.current?.focus();
              apply({ ...filters, ip: undefined });
            }}
          >
            Show every visitor
          </Button>
        </p>
      )}
      {draft.range === "custom" && (
        // One above the other on a phone: side by side, each was ~155 px and cut its time off.
        <div className="col-span-full grid grid-cols-1 gap-3 sm:grid-cols-[14rem_14rem_1fr]">
          {RANGE_ENDS.map(({ key, suffix, label }) => (
            <div key={key}>
              <label
                htmlFor={`${id}-${suffix}`}
                className="text-xs font-medium text-zinc-600 dark:text-zinc-400"
              >
                {label}
              </label>
              {/* The range's problem is theirs: said with each end, not only announced once. */}
              <input
                id={`${id}-${suffix}`}
                type="datetime-local"
                {...field(key)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
                className={selectClass}
              />
            </div>
          ))}
        </div>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="col-span-full text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </form>
  );
}

/** The fields as the URL's filters set them (the custom range's ends are filled in after hydration). */
function draftOf(filters: LogFilters): Record<DraftField, string> {
  return {
    ...EMPTY_DRAFT,
    status: filters.status ?? "",
    method: filters.method ?? "",
    path: filters.path ?? "",
    header: filters.header ?? "",
    body: filters.body ?? "",
    range: filters.from || filters.to ? "custom" : (filters.range ?? ""),
  };
}
