import type { Db } from "../db.ts";
import type { LogAnnouncements } from "./announcements.ts";
import { listRequestLogs, type RequestLogFilter, type RequestLogRow, refreshRequestLogs } from "./query.ts";
import { laterRequestId, MAX_REFRESHED } from "./request-id.ts";

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
 */
export async function followRequestLogs(options: FollowOptions): Promise<void> {
  const { db, feed, filters, shown, tailFrom, print } = options;
  let after = laterRequestId(shown.at(-1)?.id, tailFrom);
  /** Rows printed while open, to print again when they close. */
  const open = new Set(shown.flatMap((row) => (row.openState === "open" ? [row.id] : [])));
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
        if (stopped) return;
        if (!failing) options.unreadable?.(error);
        failing = true;
        await sleep(RETRY_MS);
        continue;
      }
      if (!unsubscribe) await listen();
      if (stopped) return;
      if (announced || more) continue;
      await sleep(unsubscribe ? ANNOUNCED_POLL_MS : POLL_MS);
    }
  } finally {
    unsubscribe?.();
  }

  /** Prints what is new; true when there may be more right away (a full page). */
  async function readNew(): Promise<boolean> {
    if (open.size > 0) {
      const still = new Set<string>();
      for (const row of (
        await refreshRequestLogs(db, filters.name, [...open].slice(0, MAX_REFRESHED))
      ).reverse()) {
        if (row.openState === "open") still.add(row.id);
        else await print(row);
      }
      // Deleted meanwhile, or beyond what one query asks about: no longer followed.
      open.clear();
      for (const id of still) open.add(id);
    }
    const page = await listRequestLogs(db, { ...filters, after, limit: 200 });
    const rows = page.rows;
    for (const row of rows.reverse()) {
      if (stopped) return false;
      await print(row);
      after = row.id;
      if (row.openState === "open") open.add(row.id);
    }
    // Rows that did not match are not read again (a rare filter on a busy name).
    after = laterRequestId(after, page.tailFrom);
    return rows.length === 200;
  }
}
