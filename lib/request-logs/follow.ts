import type { Db } from "../db.ts";
import type { LogAnnouncements } from "./announcements.ts";
import { type RequestLogFilter, type RequestLogRow, refreshRequestLogs } from "./query.ts";
import { laterRequestId, MAX_REFRESHED } from "./request-id.ts";
import { isWaitingForApp } from "./row.ts";
import { tailRequestLogs } from "./tail.ts";

/** Polling while the database's announcements cannot be heard. */
const POLL_MS = 1_000;
/** While they can: a slow poll, only as a safety net. */
const ANNOUNCED_POLL_MS = 30_000;
/** Between tries while the database cannot be read (a restart takes seconds). */
const RETRY_MS = 2_000;

export interface FollowOptions {
  db: Db;
  /**
   * Where new rows are announced; the follower subscribes to its name and unsubscribes at the end.
   * Without one (no database URL to listen with), it polls every second.
   */
  feed?: LogAnnouncements;
  filters: RequestLogFilter;
  /** Rows already printed, oldest first. */
  shown: RequestLogRow[];
  /** Where the first query's look ended (RequestLogPage.tailFrom): rows up to it were looked at. */
  tailFrom: string | null;
  /**
   * Requests waiting for the app that the first query did not print (listRequestLogsForTail's
   * `waiting`, view "follow"), or those a follower stopped before was still asking about: each is
   * printed once answered, if it matches.
   */
  waiting: readonly string[];
  print: (row: RequestLogRow) => Promise<void> | void;
  /** Resolves when the follower should stop (Ctrl-C, the ssh channel closed). */
  stopped: Promise<unknown>;
  /**
   * The log could not be read (the database restarting, say): told once per outage, with the
   * error; the follower tries again every 2 s until it can, then calls `recovered`.
   */
  unreadable?: (error: unknown) => void;
  recovered?: () => void;
}

/**
 * Prints rows after the last one shown as the relay announces them (announcements.ts), polling
 * every second while it cannot listen; each new row is printed once. A WebSocket or event stream
 * still open is printed again once it has closed, with its time, size and bodies. Used by
 * `burrow logs --follow` and the relay's `ssh … logs <name> --follow`.
 *
 * A request the app has not answered BURROW_LOG_WAITING_AFTER_SECONDS (10) after it came is written
 * before its answer (status 0, open: row.ts waitingState) and completed in place, so its id is
 * behind the follower by then: as an open row, it is printed again when its answer starts while it
 * stays open (an event stream's 200) and when it ends. One the filters left out while it waited
 * (--status 5xx: it had no status yet) is asked about again until it is answered, and printed once
 * if the answer matches; so are those waiting when the follow began that were not shown (`waiting`).
 * Resolves, once stopped, with the requests it was still asking about, for a follower that goes on
 * from where this one stopped (another database URL).
 */
export async function followRequestLogs(options: FollowOptions): Promise<{ waiting: string[] }> {
  const { db, feed, filters, shown, tailFrom, print } = options;
  let after = laterRequestId(shown.at(-1)?.id, tailFrom);
  /** Rows printed while open, to print again when they close; true while still waiting for the app. */
  const open = new Map(
    shown.flatMap((row) => (row.openState === "open" ? [[row.id, isWaitingForApp(row)]] : [])),
  );
  /** Requests left out while they waited for the app, whose answer may match the filters. */
  let unanswered = [...options.waiting];
  let unsubscribe: (() => void) | undefined;
  // Set by an announcement; checked before each wait, so one arriving during a query is not missed.
  let announced = false;
  let wake = () => {};
  let stopped = false;
  void options.stopped.then(() => {
    stopped = true;
    wake();
  });
  const listen = async () => {
    if (!feed) return;
    try {
      unsubscribe = await feed.subscribe(filters.name, {
        rows: () => {
          announced = true;
          wake();
        },
        lost: () => {
          unsubscribe = undefined;
          // Announcements may have been missed: read now, then poll.
          wake();
        },
      });
    } catch {
      // Polling until the next try.
    }
  };
  let failing = false;
  /** Sleeps until an announcement, `ms`, or the stop. */
  const sleep = async (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    wake = () => {};
  };
  try {
    await listen();
    while (!stopped) {
      announced = false;
      let more: boolean;
      try {
        if (failing) {
          // Said before the rows that waited, not after them.
          await db.$queryRaw`SELECT 1`;
          failing = false;
          options.recovered?.();
        }
        more = await readNew();
      } catch (error) {
        if (stopped) break;
        if (!failing) options.unreadable?.(error);
        failing = true;
        await sleep(RETRY_MS);
        continue;
      }
      if (!unsubscribe) await listen();
      if (stopped) break;
      if (announced || more) continue;
      await sleep(unsubscribe ? ANNOUNCED_POLL_MS : POLL_MS);
    }
  } finally {
    unsubscribe?.();
  }
  return { waiting: unanswered };

  /** Prints what is new; true when there may be more right away (a full page). */
  async function readNew(): Promise<boolean> {
    if (open.size > 0) {
      const still = new Map<string, boolean>();
      for (const row of (
        await refreshRequestLogs(db, filters.name, [...open.keys()].slice(0, MAX_REFRESHED))
      ).reverse()) {
        const waiting = isWaitingForApp(row);
        if (row.openState === "open") still.set(row.id, waiting);
        // Closed, or no longer waiting: its answer's status came, and it goes on open.
        if (row.openState !== "open" || (open.get(row.id) && !waiting)) await print(row);
      }
      // Deleted meanwhile, or beyond what one query asks about: no longer followed.
      open.clear();
      for (const [id, waiting] of still) open.set(id, waiting);
    }
    const look = await tailRequestLogs(
      db,
      { ...filters, after, limit: 200 },
      { remembered: unanswered, shown: [...open.keys()] },
    );
    unanswered = look.waiting;
    // Those left out while they waited that match now their answer is in, oldest first.
    for (const row of look.answered.reverse()) {
      if (stopped) return false;
      await print(row);
      if (row.openState === "open") open.set(row.id, false);
    }
    for (const row of look.rows.reverse()) {
      if (stopped) return false;
      await print(row);
      after = row.id;
      if (row.openState === "open") open.set(row.id, isWaitingForApp(row));
    }
    // Rows that did not match are not read again (a rare filter on a busy name).
    after = laterRequestId(after, look.tailFrom);
    return look.rows.length === 200;
  }
}
