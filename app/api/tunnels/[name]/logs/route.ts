import type { NextRequest } from "next/server";
import { getNameForUser } from "@/lib/names/service";
import { listRequestLogs, refreshRequestLogs, SEARCH_WINDOW_ROWS } from "@/lib/request-logs/query";
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
 * streams, which are finished in place).
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const search = request.nextUrl.searchParams;
  return apiHandler(async (user): Promise<LogPage> => {
    const db = getDb();
    // Ownership first: the query layer serves any name to whoever asks.
    const own = await getNameForUser(db, user.id, name);
    const refresh = search.get("refresh");
    const refreshed = refresh ? await refreshRequestLogs(db, own.name, refresh.split(",")) : undefined;
    const filters = requireLogFilters(search);
    const read = () =>
      listRequestLogs(
        db,
        {
          ...toQueryFilter(own.name, filters, Date.now()),
          before: search.get("before") ?? undefined,
          after: search.get("after") ?? undefined,
          limit: search.get("after") ? 200 : 50,
        },
        { scanRows: SEARCH_WINDOW_ROWS },
      );
    // A search takes one of the user's slots; the live tail reads only what is new.
    const page =
      hasFilters(filters) && !search.get("after")
        ? await logSearchSlots.run(user.id, read, request.signal)
        : await read();
    return {
      rows: page.rows.map(toLogRow),
      nextCursor: page.nextCursor,
      searchedSince: page.searchedSince?.toISOString() ?? null,
      tailFrom: page.tailFrom,
      ...(refreshed && { refreshed: refreshed.map(toLogRow) }),
    };
  });
}
