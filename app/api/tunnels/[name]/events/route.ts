import type { NextRequest } from "next/server";
import { getNameForUser } from "@/lib/names/service";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { eventStream } from "@/lib/web/event-stream";
import { getLogAnnouncements } from "@/lib/web/log-announcements";

/**
 * Server-sent events for a tunnel page, one stream for all its live parts: `ready` once listening,
 * then `rows` whenever the relay has written request log rows for the name (the log and the chart
 * fetch what is new) and `status` whenever its status changed (connected, dropped, counters or
 * notice saved, its reservation's settings; the status fetches itself again), so an idle page
 * seldom asks. Never data: the browser fetches through the routes that check who is asking, with
 * the log's filters.
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return apiHandler(async (user) => {
    // Ownership first, as for the log itself.
    const own = await getNameForUser(getDb(), user.id, name);
    return eventStream(
      request,
      user,
      ({ send, end }) =>
        getLogAnnouncements().subscribe(own.name, {
          rows: () => send("rows"),
          status: () => send("status"),
          lost: end,
        }),
      "Live updates are unavailable right now; the page refreshes by itself",
    );
  });
}
