import type { NextRequest } from "next/server";
import { getNameForUser } from "@/lib/names/service";
import {
  leftOutWaitingRequests,
  listRequestLogs,
  refreshRequestLogs,
  SEARCH_WINDOW_ROWS,
} from "@/lib/request-logs/query";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { hasFilters, requireLogFilters, toQueryFilter } from "@/lib/web/log-filters";
import { logSearchSlots } from "@/lib/web/log-search-slots";
import { type LogPage, toLogRow } from "@/lib/web/tunnel-dto";

/**
 * One page of a name's request log: `before=<id>` pages back ("Older"; a filtered page reads at most
 * SEARCH_WINDOW_ROWS rows and then says how far back it searched), `after=<id>` returns what
 * arrived since the newest row shown (the live tail polls this every second or two), and
 * `refresh=<id>,<id>` adds those rows as they are now (the tail's open WebSockets and event
 * streams, which are finished in place). A tail filtered on the answer (status, headers, bodies)
 * also gets the requests it left out while they waited for the app's answer: `waiting` to send
 * back as `waiting=<id>,<id>` next time, and `answered`, those of them whose answer now matches
 * (leftOutWaitingRequests).
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const search = request.nextUrl.searchParams;
  return apiHandler(async (user): Promise<LogPage> => {
    const db = getDb();
    // Ownership first: the query layer serves any name to whoever asks.
    const own = await getNameForUser(db, user.id, name);
    const refresh = idList(search, "refresh");
    const refreshed = refresh.length > 0 ? await refreshRequestLogs(db, own.name, refresh) : undefined;
    const filters = requireLogFilters(search);
    const queryFilter = toQueryFilter(own.name, filters, Date.now());
    const after = search.get("after") || undefined;
    const read = () =>
      listRequestLogs(
        db,
        { ...queryFilter, before: search.get("before") ?? undefined, after, limit: after ? 200 : 50 },
        { scanRows: SEARCH_WINDOW_ROWS },
      );
    // A search takes one of the user's slots; the live tail reads only what is new.
    const page =
      hasFilters(filters) && !after ? await logSearchSlots.run(user.id, read, request.signal) : await read();
    const leftOut = after
      ? await leftOutWaitingRequests(db, queryFilter, {
          remembered: idList(search, "waiting"),
          shown: [...refresh, ...page.rows.map((row) => row.id)],
          upTo: page.tailFrom ?? after,
        })
      : undefined;
    return {
      rows: page.rows.map(toLogRow),
      nextCursor: page.nextCursor,
      searchedSince: page.searchedSince?.toISOString() ?? null,
      tailFrom: page.tailFrom,
      ...(refreshed && { refreshed: refreshed.map(toLogRow) }),
      ...(leftOut && { answered: leftOut.answered.map(toLogRow), waiting: leftOut.waiting }),
    };
  });
}

/** A list of request ids (`refresh`, `waiting`), as given: the query functions check each one. */
function idList(search: URLSearchParams, key: string): string[] {
  const ids = search.get(key);
  return ids ? ids.split(",") : [];
}
