"use client";

import { usePathname, useRouter } from "next/navigation";
import { useId, useState, useTransition } from "react";
import {
  hasFilters,
  type LogFilters,
  logFiltersToQuery,
  METHOD_FILTERS,
  parseLogFilters,
  STATUS_FILTERS,
} from "@/lib/web/log-filters";
import { Button } from "../ui/button";

const selectClass =
  "mt-1 block w-full rounded-md border-0 bg-white px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-zinc-300 ring-inset focus:ring-2 focus:ring-indigo-600 focus:outline-none";

/** Filters live in the URL, so a filtered view can be bookmarked and shared with yourself. */
export function LogFiltersForm({ filters }: { filters: LogFilters }) {
  const id = useId();
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  // Controlled, so "Clear" empties the fields as well as the URL.
  const [draft, setDraft] = useState<Record<keyof LogFilters, string>>({
    status: filters.status ?? "",
    method: filters.method ?? "",
    path: filters.path ?? "",
    range: filters.range ?? "",
  });
  const field = (key: keyof LogFilters) => ({
    name: key,
    value: draft[key],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value }),
  });

  const apply = (next: LogFilters) => {
    const query = logFiltersToQuery(next);
    startTransition(() => router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false }));
  };

  return (
    <form
      aria-label="Filter requests"
      className="grid grid-cols-2 gap-3 sm:grid-cols-[8rem_8rem_1fr_9rem_auto]"
      onSubmit={(event) => {
        event.preventDefault();
        apply(parseLogFilters(draft));
      }}
    >
      <div>
        <label htmlFor={`${id}-status`} className="text-xs font-medium text-zinc-600">
          Status
        </label>
        <select id={`${id}-status`} {...field("status")} className={selectClass}>
          <option value="">Any</option>
          {STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-method`} className="text-xs font-medium text-zinc-600">
          Method
        </label>
        <select id={`${id}-method`} {...field("method")} className={selectClass}>
          <option value="">Any</option>
          {METHOD_FILTERS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </div>
      <div className="col-span-2 sm:col-span-1">
        <label htmlFor={`${id}-path`} className="text-xs font-medium text-zinc-600">
          Path contains
        </label>
        <input
          id={`${id}-path`}
          {...field("path")}
          type="search"
          placeholder="/api/"
          maxLength={500}
          className={selectClass}
        />
      </div>
      <div>
        <label htmlFor={`${id}-range`} className="text-xs font-medium text-zinc-600">
          Time range
        </label>
        <select id={`${id}-range`} {...field("range")} className={selectClass}>
          <option value="">All time</option>
          <option value="15m">Last 15 minutes</option>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
        </select>
      </div>
      <div className="flex items-end gap-2">
        <Button type="submit" size="sm" pending={pending}>
          Apply filters
        </Button>
        {hasFilters(filters) && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setDraft({ status: "", method: "", path: "", range: "" });
              apply({});
            }}
          >
            Clear
          </Button>
        )}
      </div>
    </form>
  );
}
