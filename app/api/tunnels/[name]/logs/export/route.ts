import type { NextRequest } from "next/server";
import { getNameForUser } from "@/lib/names/service";
import { checkExportFilter, exportChunks, exportedRequests } from "@/lib/request-logs/export";
import { exportFileName, exportOptionsSchema } from "@/lib/request-logs/export-format";
import { parseInput } from "@/lib/validate";
import { apiHandler, attachmentHeaders } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { downloadWouldStart } from "@/lib/web/download-check";
import { requireLogFilters, toQueryFilter } from "@/lib/web/log-filters";
import { logSearchSlots } from "@/lib/web/log-search-slots";

const CONTENT_TYPES = { csv: "text/csv; charset=utf-8", ndjson: "application/x-ndjson; charset=utf-8" };

/**
 * The name's request log as a download, `format=csv` or `format=ndjson`, with the log's filters
 * (the same search params as the page): the newest EXPORT_MAX_ROWS matching rows, streamed a page
 * at a time. `bodies=1` (JSON lines only) adds each request's kept bodies. `check=1` answers 204
 * when the download would start, or the error it would get, and reads nothing.
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const search = request.nextUrl.searchParams;
  return apiHandler(async (user) => {
    const { format, bodies, check } = parseInput(exportOptionsSchema, {
      format: search.get("format") ?? undefined,
      bodies: search.get("bodies") ?? undefined,
      check: search.get("check") ?? undefined,
    });
    const db = getDb();
    const own = await getNameForUser(db, user.id, name);
    const now = new Date();
    const filter = toQueryFilter(own.name, requireLogFilters(search), now.getTime());
    // A filter the query layer refuses is a JSON error with its status, not a download cut short;
    // a database that is down failed getNameForUser above. Then the download starts at once (the
    // CSV header), rather than after the first match, which a rare filter may take seconds to find.
    checkExportFilter(filter);
    if (check) {
      logSearchSlots.check(user.id);
      return downloadWouldStart();
    }
    // A download reads the log like a search, a window at a time, until it has been sent: it holds
    // one of the user's search slots (log-search-slots.ts) until then.
    const release = await logSearchSlots.acquire(user.id, request.signal);
    const chunks = exportChunks(
      bodies ? exportedRequests(db, filter, undefined, { bodies }) : exportedRequests(db, filter),
      format,
    );
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (!next.done) return controller.enqueue(encoder.encode(next.value));
          release();
          controller.close();
        } catch (error) {
          release();
          throw error;
        }
      },
      async cancel() {
        release();
        await chunks.return(undefined);
      },
    });
    return new Response(body, {
      headers: attachmentHeaders(exportFileName(own.name, format, now, bodies), CONTENT_TYPES[format]),
    });
  });
}
