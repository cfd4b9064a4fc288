import "server-only";
import type { Db } from "../db.ts";
import { isAppError } from "../errors.ts";
import { listRequestLogs, type RequestLogPage, SEARCH_WINDOW_ROWS } from "../request-logs/query.ts";
import { listRequestLogsForTail } from "../request-logs/tail.ts";
import type { KeyedSlots } from "../throttle/keyed-slots.ts";
import { hasFilters, type LogFilters, toQueryFilter } from "./log-filters.ts";

/**
 * The tunnel page's first page of the log, with the requests it left out while they waited for the
 * app (for the live tail's first look, listRequestLogsForTail), or why it was not searched.
 */
export type FirstLogPage =
  | { page: RequestLogPage & { waiting: string[] }; busy?: undefined }
  | { page?: undefined; busy: string };

/**
 * The first page of a name's log as the tunnel page shows it. A filtered one is a search and takes
 * one of the user's slots (log-search-slots.ts); when they are all taken and the queue is full, the
 * refusal's message is the answer, for the page to show in place of the log (the rest of the page,
 * status and connect, still helps), rather than an error page for the whole tunnel.
 */
export async function firstLogPage(
  db: Db,
  slots: KeyedSlots,
  userId: string,
  name: string,
  filters: LogFilters,
): Promise<FirstLogPage> {
  const filter = { ...toQueryFilter(name, filters, Date.now()), limit: 50 };
  const read = () =>
    listRequestLogsForTail(db, filter, { view: "table" }, (upTo) =>
      listRequestLogs(db, filter, { scanRows: SEARCH_WINDOW_ROWS, upTo }),
    );
  if (!hasFilters(filters)) return { page: await read() };
  try {
    return { page: await slots.run(userId, read) };
  } catch (error) {
    if (isAppError(error) && error.code === "rate_limited") return { busy: error.message };
    throw error;
  }
}
