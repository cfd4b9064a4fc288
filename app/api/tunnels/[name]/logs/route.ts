import type { NextRequest } from "next/server";
import { getNameForUser } from "@/lib/names/service";
import {
  listRequestLogs,
  type RequestLogPage,
  refreshRequestLogs,
  SEARCH_WINDOW_ROWS,
} from "@/lib/request-logs/query";
import { tailRequestLogs } from "@/lib/request-logs/tail";
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
 * (tailRequestLogs).
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
    if (after) {
      // The live tail reads only what is new: no search slot.
      const tail = await tailRequestLogs(
        db,
        { ...queryFilter, after, limit: 200 },
        { remembered: idList(search, "waiting"), shown: refresh },
      );
      return {
        ...toLogPage(tail),
        ...(refreshed && { refreshed: refreshed.map(toLogRow) }),
        answered: tail.answered.map(toLogRow),
        waiting: tail.waiting,
      };
    }
    const read = () =>
      listRequestLogs(
        db,
        { ...queryFilter, before: search.get("before") ?? undefined, limit: 50 },
        { scanRows: SEARCH_WINDOW_ROWS },
      );
    // A search takes one of the user's slots.
    const page = hasFilters(filters) ? await logSearchSlots.run(user.id, read, request.signal) : await read();
    return { ...toLogPage(page), ...(refreshed && { refreshed: refreshed.map(toLogRow) }) };
  });
}

function toLogPage(page: RequestLogPage): LogPage {
  return {
    rows: page.rows.map(toLogRow),
    nextCursor: page.nextCursor,
    searchedSince: page.searchedSince?.toISOString() ?? null,
    tailFrom: page.tailFrom,
  };
}

/** A list of request ids (`refresh`, `waiting`), as given: the query functions check each one. */
function idList(search: URLSearchParams, key: string): string[] {
  const ids = search.get(key);
  return ids ? ids.split(",") : [];
}
