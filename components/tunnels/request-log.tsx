"use client";

import { usePathname, useRouter } from "next/navigation";
import { Fragment, type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { normalizeIpAddress } from "@/lib/forwarding/ip-address";
import { headerText } from "@/lib/request-logs/header-text";
import { laterRequestId, MAX_REFRESHED } from "@/lib/request-logs/request-id";
import { waitingState } from "@/lib/request-logs/row";
import { normaliseStatusFilter } from "@/lib/request-logs/status-filter";
import { withAnsweredRows } from "@/lib/web/answered-rows";
import { apiErrorMessage } from "@/lib/web/api-error-message";
import { errorMark } from "@/lib/web/error-mark";
import { formatBytes, formatDuration, type StatusTone, statusTone, truncate } from "@/lib/web/format";
import { type LiveFailure, liveFailureOf } from "@/lib/web/live-failure";
import { accessCell, describeOutcome } from "@/lib/web/log-access";
import { type LogFilters, linkedRequestHref, logFiltersToQuery } from "@/lib/web/log-filters";
import { openRowIds } from "@/lib/web/open-rows";
import type { LogPage, LogRow } from "@/lib/web/tunnel-dto";
import { fetchLive } from "../hooks/use-live-json";
import { fetchSignedIn, SessionEndedError, useSessionEnded } from "../hooks/use-session-ended";
import { useVisibleInterval } from "../hooks/use-visible-interval";
import { NotUpdating } from "../session/not-updating";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { EmptyState } from "../ui/empty-state";
import { LocalTime } from "../ui/local-time";
import { LinkedRequest } from "./linked-request";
import { LogExportLinks } from "./log-export-links";
import type { ReplayWatch } from "./replay-outcome";
import { type RequestActions, RequestDetails } from "./request-details";
import { useTunnelActivity } from "./tunnel-activity";
import { useTunnelEvents, useTunnelEventsConnected } from "./tunnel-events";
import { WaitingTime } from "./waiting-time";

/** "Older" failed for a reason the dashboard did not put in words (a network hiccup, a 500). */
const OLDER_FAILED = "Could not load older requests. Try again.";
/** Polling while the event stream is not connected (it failed, or a proxy does not pass it). */
const TAIL_MS = 1500;
/** While the stream announces new rows, a slow poll only as a safety net. */
const PUSHED_TAIL_MS = 30_000;
/** Beyond this many rows the oldest are dropped from the page (still reachable with "Older"). */
const MAX_ROWS = 1000;
/** Columns a phone leaves out (each request's details have them). */
const WIDE_ONLY = "hidden sm:table-cell";
/**
 * Below the sm breakpoint a row is a card rather than nine columns: method, status and time on its
 * first line, the whole path wrapped under them, then duration and access. The DOM keeps the
 * table's order, so screen readers still read a row as a table row; `order` only moves it on screen.
 */
const PHONE = {
  table: "max-sm:block",
  body: "max-sm:block",
  row: "max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-1 max-sm:px-2 max-sm:py-2.5",
  cell: "max-sm:p-0",
  /** Under the first line, level with the method (past the details button). */
  line: "max-sm:pl-9",
} as const;

const toneClass: Record<StatusTone, string> = {
  success:
    "bg-emerald-50 dark:bg-emerald-950/40 text-emerald-800 dark:text-emerald-200 ring-emerald-200 dark:ring-emerald-800",
  redirect: "bg-sky-50 dark:bg-sky-950/40 text-sky-800 dark:text-sky-200 ring-sky-200 dark:ring-sky-800",
  "client-error":
    "bg-amber-50 dark:bg-amber-950/40 text-amber-900 dark:text-amber-100 ring-amber-200 dark:ring-amber-800",
  "server-error":
    "bg-red-50 dark:bg-red-950/40 text-red-800 dark:text-red-200 ring-red-200 dark:ring-red-800",
  other: "bg-zinc-100 dark:bg-zinc-800 text-zinc-700 dark:text-zinc-300 ring-zinc-200 dark:ring-zinc-800",
};

/**
 * The request log: newest first, "Older" pages back by id, and a live tail: the dashboard's event
 * stream says when the relay has written rows for this name and the log fetches those after the
 * newest one (polling instead while the stream is down). Only while the tab is visible: a hidden
 * tab costs the server nothing.
 */
export function RequestLog({
  name,
  publicUrl,
  filters,
  initial,
  empty,
  actions,
  requestActions,
  linked,
  dashboardUrl,
  keepsBodies = false,
}: {
  name: string;
  /** The tunnel's public address, for replaying a request with curl. */
  publicUrl: string;
  filters: LogFilters;
  initial: LogPage;
  /** What to show when there is nothing (how to connect, or "no match"). */
  empty: ReactNode;
  /** Under the log while it shows requests (deleting them), those the live tail added included. */
  actions?: ReactNode;
  /** Each request's Send again, Edit and send, and Delete (request-details.tsx). */
  requestActions?: Omit<RequestActions, "watch">;
  /** The request the page's link names (readLinkedRequest), shown open above the log. */
  linked?: { id: string; row: LogRow | null };
  /** The dashboard's address, for each request's link to copy. */
  dashboardUrl: string;
  /** The name keeps bodies (or kept some): the export with bodies is offered whatever the page shows. */
  keepsBodies?: boolean;
}) {
  const [rows, setRows] = useState<LogRow[]>(initial.rows);
  // Where "Older" goes on from, and for a search that stopped at its window, since when it looked.
  const [older, setOlder] = useState<Older>(olderOf(initial));
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [live, setLive] = useState(true);
  // Why the tail's last look failed (the network, the dashboard's database, an error it answered).
  const [problem, setProblem] = useState<LiveFailure | null>(null);
  // Beside the button that failed, and apart from the tail's problem, which its next look clears.
  const [olderProblem, setOlderProblem] = useState<string | null>(null);
  // When the tail last got an answer: said while its looks fail or once it stops (NotUpdating).
  const [asOf, setAsOf] = useState(() => new Date().toISOString());
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  // The tail asks for rows after this: the newest shown, or further if the first page (or a tail)
  // looked at newer rows that did not match.
  const newest = useRef(laterRequestId(initial.rows[0]?.id, initial.tailFrom));
  /** A replay's answer among the rows, for the details that sent it (replay-outcome.tsx). */
  const replayWatch: ReplayWatch = {
    newestId: () => newest.current,
    find: (afterId, method, path) =>
      rows.find(
        (r) =>
          r.admission === "REPLAY" &&
          r.method === method &&
          r.path === path &&
          BigInt(r.id) > BigInt(afterId),
      ),
  };
  const shown = useRef(rows.length);
  /** Rows shown open (WebSockets, event streams): each tail asks for them again, to see them end. */
  const stillOpen = useRef<string[]>([]);
  useEffect(() => {
    shown.current = rows.length;
    stillOpen.current = rows.flatMap((r) => (r.openState === "open" ? [r.id] : [])).slice(0, MAX_REFRESHED);
  }, [rows]);
  /**
   * Requests an answer filter (status, headers, bodies) left out while they waited for the app: the
   * tail asks about them until their answer is in, and shows those it matches (LogPage.answered).
   * As the last answer said, or at first the page's (those its first page left out); at most
   * MAX_REFRESHED.
   */
  const leftOutWaiting = useRef<string[]>(initial.waiting ?? []);
  /** Where "Older" goes on from, for the tail: answered rows below it are left for "Older". */
  const loadedFrom = useRef(loadedFromOf(older, rows));
  useEffect(() => {
    loadedFrom.current = loadedFromOf(older, rows);
  }, [older, rows]);

  const { report: reportActivity, reportDeleted, clears } = useTunnelActivity();
  // The whole log deleted from this page: rows the live tail added since the page was rendered go
  // too (the page's own key only changes when its first page does).
  const seenClears = useRef(clears);
  useEffect(() => {
    if (clears === seenClears.current) return;
    seenClears.current = clears;
    setRows([]);
    setOlder(null);
    setOpen(new Set());
  }, [clears]);
  const pathname = usePathname();
  /** This log narrowed to a row's visitor (the other filters kept), unless it already is. */
  const visitorHref = (row: LogRow): string | undefined => {
    const ip = normalizeIpAddress(row.clientIp);
    return ip && ip !== filters.ip ? `${pathname}?${logFiltersToQuery({ ...filters, ip })}` : undefined;
  };
  /** This log narrowed to a row's path, its query string left out (the other filters kept). */
  const pathHref = (row: LogRow): string | undefined => {
    const path = row.path.split("?")[0]?.slice(0, 500);
    return path && path !== filters.path
      ? `${pathname}?${logFiltersToQuery({ ...filters, path })}`
      : undefined;
  };
  /** This log narrowed to a row's exact status code (the other filters kept), unless it already is. */
  const statusHref = (row: LogRow): string | undefined => {
    const status = normaliseStatusFilter(String(row.status));
    return status && status !== filters.status
      ? `${pathname}?${logFiltersToQuery({ ...filters, status })}`
      : undefined;
  };
  const base = `/api/tunnels/${encodeURIComponent(name)}/logs`;
  const query = logFiltersToQuery(filters);
  const router = useRouter();
  const closeLinkedHref = `${pathname}${query ? `?${query}` : ""}`;
  const closeLinked = () => router.replace(closeLinkedHref, { scroll: false });
  /** A row's details, in the table or as the linked request; deleted, it goes from both. */
  // A request deleted from its open details takes its row, its Delete button and the dialog's
  // opener with it: focus goes on to the next row's details button (the previous one's at the end)
  // rather than to <body>, which sent a keyboard user back to the top of the page.
  const table = useRef<HTMLTableElement>(null);
  const focusAfterDelete = useRef<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the rows rendered without the deleted one are the moment to move focus
  useEffect(() => {
    const id = focusAfterDelete.current;
    if (id === null) return;
    focusAfterDelete.current = null;
    table.current?.querySelector<HTMLButtonElement>(`button[data-row-id="${id}"]`)?.focus();
  }, [rows]);
  const details = (row: LogRow) => (
    <RequestDetails
      name={name}
      row={row}
      publicUrl={publicUrl}
      visitorHref={visitorHref(row)}
      pathHref={pathHref(row)}
      statusHref={statusHref(row)}
      actions={requestActions && { ...requestActions, watch: replayWatch }}
      onDeleted={() => {
        const index = rows.findIndex((r) => r.id === row.id);
        if (index !== -1) focusAfterDelete.current = (rows[index + 1] ?? rows[index - 1])?.id ?? null;
        setRows((current) => current.filter((r) => r.id !== row.id));
        reportDeleted("one");
        // By the URL's id: the refreshed page may already say the row is gone.
        if (linked?.id === row.id) closeLinked();
      }}
      permalink={linkedRequestHref(`${dashboardUrl}/tunnels/${encodeURIComponent(name)}`, {}, row.id)}
      originalHref={row.replayOf !== null ? linkedRequestHref(pathname, filters, row.replayOf) : undefined}
    />
  );
  const endpoint = `${base}?${query ? `${query}&` : ""}`;

  // Aborts a fetch still running when the log goes away (new filters mount a new log: the page keys it).
  const lifetime = useRef<AbortController | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    lifetime.current = controller;
    return () => controller.abort();
  }, []);

  const tail = useCallback(async () => {
    const signal = lifetime.current?.signal;
    try {
      const refresh = stillOpen.current.length > 0 ? `&refresh=${stillOpen.current.join(",")}` : "";
      const waiting = leftOutWaiting.current.length > 0 ? `&waiting=${leftOutWaiting.current.join(",")}` : "";
      const response = await fetchLive(`${endpoint}after=${newest.current}${refresh}${waiting}`, {
        cache: "no-store",
        signal,
      });
      const page = (await response.json()) as LogPage;
      setProblem(null);
      setAsOf(new Date().toISOString());
      const refreshed = new Map((page.refreshed ?? []).map((r) => [r.id, r]));
      if (refreshed.size > 0) setRows((current) => current.map((r) => refreshed.get(r.id) ?? r));
      // Only rows newer than what is shown: never the same row twice.
      const newer = page.rows.filter((r) => BigInt(r.id) > BigInt(newest.current));
      newest.current = laterRequestId(newer[0]?.id ?? newest.current, page.tailFrom);
      // Behind the tail by now (written before their answer): each goes in its place by id.
      const answered = page.answered ?? [];
      leftOutWaiting.current = page.waiting ?? [];
      // Now, not once React has rendered: an announcement that came during this fetch (a short
      // WebSocket's end) makes pull() fetch again at once, and that fetch must ask after the rows
      // this one found open, or they would show "Open" until the next traffic.
      stillOpen.current = openRowIds(stillOpen.current, [...newer, ...answered], refreshed, MAX_REFRESHED);
      if (newer.length === 0 && answered.length === 0) return;
      reportActivity();
      setFresh(new Set([...newer, ...answered].map((r) => r.id)));
      // Rows dropped off the bottom stay reachable through "Older", from the last row shown.
      if (shown.current + newer.length + answered.length > MAX_ROWS) setOlder({ cursor: null, since: null });
      const from = loadedFrom.current;
      setRows((current) => withAnsweredRows([...newer, ...current], answered, from).slice(0, MAX_ROWS));
    } catch (error) {
      // An ended session has its own notice, and retrying stops (useSessionEnded below).
      if (!signal?.aborted && !(error instanceof SessionEndedError)) {
        setProblem(liveFailureOf(error));
      }
      throw error;
    }
  }, [endpoint, reportActivity]);

  // One fetch at a time; an announcement arriving during one asks for another right after.
  const pulling = useRef(false);
  const pullAgain = useRef(false);
  const pull = useCallback(async () => {
    if (pulling.current) {
      pullAgain.current = true;
      return;
    }
    pulling.current = true;
    try {
      do {
        pullAgain.current = false;
        await tail();
      } while (pullAgain.current);
    } finally {
      pulling.current = false;
    }
  }, [tail]);
  const pullQuietly = () => void pull().catch(() => {});

  // `ready` too: rows written between rendering the page and the stream (re)connecting.
  useTunnelEvents(["ready", "rows"], () => {
    if (live) pullQuietly();
  });
  // And rows written between rendering this log's first page and mounting it: new filters mount
  // a new log while the page's stream stays open, so no `ready` comes for it.
  const liveAtMount = useRef(live);
  useEffect(() => {
    if (liveAtMount.current) void pull().catch(() => {});
  }, [pull]);
  const pushed = useTunnelEventsConnected();
  const ended = useSessionEnded();
  useVisibleInterval(pull, pushed ? PUSHED_TAIL_MS : TAIL_MS, live && !ended);

  async function loadOlder() {
    const cursor = older?.cursor ?? rows[rows.length - 1]?.id;
    if (!cursor) return;
    setLoadingOlder(true);
    try {
      const response = await fetchSignedIn(`${endpoint}before=${cursor}`, { cache: "no-store" });
      if (!response.ok) {
        // The user's searches all under way (429) is said as the dashboard says it, with what to do.
        const said = response.status === 429 ? await apiErrorMessage(response) : null;
        setOlderProblem(said ? `${said}.` : OLDER_FAILED);
        return;
      }
      const page = (await response.json()) as LogPage;
      setRows((current) => [...current, ...page.rows]);
      setOlder(olderOf(page));
      setOlderProblem(null);
    } catch (error) {
      // An ended session has its own notice.
      if (!(error instanceof SessionEndedError)) setOlderProblem(OLDER_FAILED);
    } finally {
      setLoadingOlder(false);
    }
  }

  return (
    <div>
      <div className="mb-3 flex min-h-8 flex-wrap items-center justify-between gap-2">
        <label className="inline-flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
          <input
            type="checkbox"
            checked={live}
            onChange={(e) => {
              setLive(e.target.checked);
              // What arrived while it was off, at once rather than at the next announcement.
              if (e.target.checked) pullQuietly();
            }}
            className="size-4 rounded border-zinc-300 dark:border-zinc-700 accent-indigo-600"
          />
          Live tail
          <span
            aria-hidden="true"
            data-testid="live-tail-mode"
            data-mode={ended ? "ended" : live ? (pushed ? "push" : "poll") : "off"}
            title={
              ended
                ? "Not updating: signed out"
                : live
                  ? pushed
                    ? "New requests appear as they arrive"
                    : `Checking for new requests every ${TAIL_MS / 1000} s`
                  : undefined
            }
            className={cn(
              "size-2 rounded-full",
              live && !ended ? "animate-pulse bg-emerald-500" : "bg-zinc-300 dark:bg-zinc-600",
            )}
          />
        </label>
        <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
          {/* The rows stay as bright as before: each is a record of a past request, still true; what
              stopped is the tail, so that is what is said. */}
          <p aria-live="polite" className="text-xs text-amber-700 dark:text-amber-300">
            {live && (ended || problem) && <NotUpdating asOf={asOf} failure={ended ? null : problem} />}
          </p>
          {rows.length > 0 && (
            <LogExportLinks
              endpoint={`${base}/export?${query ? `${query}&` : ""}`}
              withBodies={keepsBodies || rows.some((r) => r.bodiesKept)}
            />
          )}
        </div>
      </div>
      {linked && (
        <LinkedRequest id={linked.id} row={linked.row} closeHref={closeLinkedHref}>
          {linked.row && details(linked.row)}
        </LinkedRequest>
      )}
      {rows.length === 0 ? (
        older?.since ? (
          <EmptyState title="No matching requests in the newest ones">
            <p>
              Searched the requests since <LocalTime iso={older.since} withDate />; older ones are searched a
              page at a time.
            </p>
          </EmptyState>
        ) : (
          empty
        )
      ) : (
        // relative: keeps the sr-only headers inside this scroll box (see DataTable). On a phone each
        // row is a card (PHONE); size and address (in each request's details) join from the sm
        // breakpoint, where the table scrolls sideways if it must.
        <div className="relative overflow-x-auto rounded-md ring-1 ring-zinc-200 dark:ring-zinc-800">
          <table
            ref={table}
            className={cn("tabular w-full table-fixed text-left text-sm sm:min-w-[63.5rem]", PHONE.table)}
          >
            <caption className="sr-only">Requests to {name}, newest first</caption>
            {/* Widths by column, not by cell: a phone's columns left out are 0 wide, so an open
                request's details (spanning them all) do not squeeze the path. */}
            <colgroup className="max-sm:hidden">
              <col className="w-10" />
              <col className="w-20 sm:w-24" />
              <col className="w-[4.5rem] sm:w-20" />
              <col />
              {/* Wide enough for a status's error mark on one line ("Relay shut down"). */}
              <col className="w-16 sm:w-32" />
              <col className="w-0 sm:w-24" />
              <col className="w-0 sm:w-24" />
              <col className="w-0 sm:w-36" />
              <col className="w-0 sm:w-36" />
            </colgroup>
            <thead className="max-sm:sr-only bg-zinc-50 dark:bg-zinc-800/50 text-xs text-zinc-500 dark:text-zinc-400 uppercase">
              <tr>
                <th scope="col" className="py-2 pl-2">
                  <span className="sr-only">Details</span>
                </th>
                <th scope="col" className="px-2 py-2 font-medium sm:px-3">
                  Time
                </th>
                <th scope="col" className="px-2 py-2 font-medium sm:px-3">
                  Method
                </th>
                <th scope="col" className="px-2 py-2 font-medium sm:px-3">
                  Path
                </th>
                <th scope="col" className="px-2 py-2 font-medium sm:px-3">
                  Status
                </th>
                <th scope="col" className={cn(WIDE_ONLY, "px-3 py-2 text-right font-medium")}>
                  Duration
                </th>
                <th scope="col" className={cn(WIDE_ONLY, "px-3 py-2 text-right font-medium")}>
                  Size
                </th>
                <th scope="col" className={cn(WIDE_ONLY, "px-3 py-2 font-medium")}>
                  Access
                </th>
                <th scope="col" className={cn(WIDE_ONLY, "px-3 py-2 font-medium")}>
                  Client IP
                </th>
              </tr>
            </thead>
            <tbody
              className={cn(
                "divide-y divide-zinc-100 dark:divide-zinc-800 bg-white dark:bg-zinc-900",
                PHONE.body,
              )}
            >
              {rows.map((row) => {
                const access = accessCell(row.admission, row.accessPage);
                const mark = errorMark(row);
                // Written open while the request waited for the app: no status yet (or ever, when
                // the relay stopped meanwhile).
                const waiting = waitingState(row);
                const expanded = open.has(row.id);
                const detailsId = `request-${row.id}`;
                return (
                  <Fragment key={row.id}>
                    <tr
                      // The whole row opens its details for a pointer; the button is the keyboard's
                      // (and screen reader's) way. Selecting text in a row (to copy a path) does not.
                      onClick={() => {
                        if (!window.getSelection()?.toString()) toggle(row.id);
                      }}
                      className={cn(
                        "cursor-pointer transition-colors duration-1000 hover:bg-zinc-50 dark:hover:bg-zinc-800/50",
                        PHONE.row,
                        fresh.has(row.id) && "bg-indigo-50/60 dark:bg-indigo-950/60",
                        expanded && "bg-zinc-50 dark:bg-zinc-800/50",
                      )}
                    >
                      <td className={cn("py-2 pl-2", PHONE.cell)}>
                        <button
                          type="button"
                          data-row-id={row.id}
                          aria-expanded={expanded}
                          aria-controls={expanded ? detailsId : undefined}
                          aria-label={`Details of ${row.method} ${truncate(row.path, 60)}`}
                          onClick={(e) => {
                            e.stopPropagation();
                            toggle(row.id);
                          }}
                          className="grid size-6 place-items-center rounded text-zinc-500 dark:text-zinc-400 hover:bg-zinc-200 dark:hover:bg-zinc-700 hover:text-zinc-900 dark:hover:text-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
                        >
                          <svg
                            viewBox="0 0 16 16"
                            aria-hidden="true"
                            className={cn("size-3.5 transition-transform", expanded && "rotate-90")}
                          >
                            <path d="M6 3l5 5-5 5" fill="none" stroke="currentColor" strokeWidth="1.8" />
                          </svg>
                        </button>
                      </td>
                      <td
                        className={cn(
                          "px-2 py-2 whitespace-nowrap text-zinc-600 dark:text-zinc-400 sm:px-3",
                          PHONE.cell,
                          "max-sm:order-1 max-sm:ml-auto max-sm:text-xs",
                        )}
                      >
                        <LocalTime iso={row.at} />
                      </td>
                      <td
                        className={cn(
                          "truncate px-2 py-2 font-mono text-xs text-zinc-800 dark:text-zinc-200 sm:px-3",
                          PHONE.cell,
                        )}
                      >
                        {row.method}
                      </td>
                      <td
                        className={cn(
                          "truncate px-2 py-2 font-mono text-xs text-zinc-900 dark:text-zinc-100 sm:px-3",
                          PHONE.cell,
                          PHONE.line,
                          "max-sm:order-2 max-sm:basis-full max-sm:break-all max-sm:whitespace-normal",
                        )}
                        title={row.path}
                      >
                        {row.path}
                      </td>
                      <td className={cn("px-2 py-2 sm:px-3", PHONE.cell)}>
                        <span
                          className={cn(
                            "inline-block rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset",
                            // Red for what the chart counts as an error: an answer cut short was
                            // logged with the 200 its head had already said.
                            toneClass[mark?.error ? "server-error" : statusTone(row.status)],
                          )}
                          title={
                            mark
                              ? `${row.error}: ${describeOutcome(row)}`
                              : waiting
                                ? describeOutcome(row)
                                : undefined
                          }
                        >
                          {waiting === "waiting"
                            ? "Waiting"
                            : waiting === "no_answer"
                              ? "No answer"
                              : row.status}
                        </span>
                        {waiting === "waiting" && !mark && (
                          <span className="text-xs text-zinc-500 max-sm:ml-1.5 sm:mt-0.5 sm:block sm:leading-tight dark:text-zinc-400">
                            for your app
                          </span>
                        )}
                        {mark && (
                          <span
                            className={cn(
                              "text-xs max-sm:ml-1.5 sm:mt-0.5 sm:block sm:leading-tight",
                              mark.error
                                ? "font-medium text-red-700 dark:text-red-300"
                                : "text-zinc-500 dark:text-zinc-400",
                            )}
                          >
                            {mark.error && <span className="sr-only">Error: </span>}
                            {mark.label}
                          </span>
                        )}
                      </td>
                      <td
                        className={cn(
                          "px-3 py-2 text-right text-zinc-700 dark:text-zinc-300",
                          PHONE.cell,
                          PHONE.line,
                          "max-sm:order-3 max-sm:text-xs",
                        )}
                      >
                        {waiting === "waiting" ? (
                          <span
                            className="inline-flex items-center gap-1.5 font-medium text-amber-800 dark:text-amber-200"
                            title="Waiting for your app's answer: the time since the request came"
                          >
                            <span
                              aria-hidden="true"
                              className="size-1.5 animate-pulse rounded-full bg-amber-500"
                            />
                            <WaitingTime since={row.at} />
                          </span>
                        ) : row.openState === "open" ? (
                          <span
                            className="inline-flex items-center gap-1.5 font-medium text-emerald-700 dark:text-emerald-300"
                            title="Still open: its bytes so far are brought up to date every minute while it moves data, and all of it is written when it closes"
                          >
                            <span
                              aria-hidden="true"
                              className="size-1.5 animate-pulse rounded-full bg-emerald-500"
                            />
                            Open
                          </span>
                        ) : row.openState === "unrecorded" ? (
                          <span
                            className="text-zinc-500 dark:text-zinc-400"
                            title="Its end was not recorded: the tunnel went away while it was open"
                          >
                            Unknown
                          </span>
                        ) : (
                          formatDuration(row.durationMs)
                        )}
                      </td>
                      <td className={cn(WIDE_ONLY, "px-3 py-2 text-right text-zinc-700 dark:text-zinc-300")}>
                        {row.openState === null ? (
                          formatBytes(row.bytesOut)
                        ) : row.openState === "open" && row.bytesOut > 0 ? (
                          <span title="So far">{formatBytes(row.bytesOut)}</span>
                        ) : (
                          <span className="text-zinc-500 dark:text-zinc-400">–</span>
                        )}
                      </td>
                      <td
                        className={cn(
                          "truncate px-3 py-2 text-xs whitespace-nowrap",
                          PHONE.cell,
                          "max-sm:order-4 max-sm:min-w-0",
                          access.refused
                            ? "font-medium text-amber-800 dark:text-amber-200"
                            : "text-zinc-600 dark:text-zinc-400",
                        )}
                        title={
                          access.byRelay ? "Answered by Burrow; your app did not see this request" : undefined
                        }
                      >
                        {access.label}
                        {row.upgrade && <span className="text-zinc-500 dark:text-zinc-400"> · WS</span>}
                      </td>
                      <td
                        className={cn(
                          WIDE_ONLY,
                          "truncate px-3 py-2 font-mono text-xs text-zinc-600 dark:text-zinc-400",
                        )}
                        title={
                          row.userAgent ? `${row.clientIp} · ${headerText(row.userAgent)}` : row.clientIp
                        }
                      >
                        {row.clientIp}
                      </td>
                    </tr>
                    {expanded && (
                      <tr id={detailsId} className="max-sm:block bg-zinc-50 dark:bg-zinc-800/50">
                        <td className="max-sm:hidden" />
                        <td colSpan={8} className="max-sm:block px-3 pt-1 pb-4">
                          {details(row)}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="mt-3 flex min-h-9 flex-wrap items-center justify-center gap-3">
        {older?.since && rows.length > 0 && (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Searched the requests since <LocalTime iso={older.since} withDate />.
          </p>
        )}
        {older && (rows.length > 0 || older.since) && (
          <Button variant="secondary" size="sm" onClick={loadOlder} pending={loadingOlder}>
            {older.since ? "Search older requests" : "Older"}
          </Button>
        )}
      </div>
      <p aria-live="polite" className="text-center text-sm text-amber-700 dark:text-amber-300">
        {older ? olderProblem : null}
      </p>
      {rows.length > 0 && actions}
    </div>
  );
}

/**
 * What "Older" goes on from: a page's cursor (null: from the last row shown), and since when a
 * search that stopped at its window looked. Null when there is nothing older.
 */
type Older = { cursor: string | null; since: string | null } | null;

function olderOf(page: Pick<LogPage, "nextCursor" | "searchedSince">): Older {
  return page.nextCursor === null ? null : { cursor: page.nextCursor, since: page.searchedSince };
}

/** Where "Older" goes on from (below this id), as loadOlder asks; null when nothing is older. */
function loadedFromOf(older: Older, rows: readonly LogRow[]): string | null {
  return older === null ? null : (older.cursor ?? rows[rows.length - 1]?.id ?? null);
}
