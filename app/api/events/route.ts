import { apiHandler } from "@/lib/web/api";
import { eventStream } from "@/lib/web/event-stream";
import { getLogAnnouncements } from "@/lib/web/log-announcements";

/**
 * Server-sent events for the user's lists of names (the overview, the names page): `ready` once
 * listening, then `names` whenever one of their names changed (reserved or released, a tunnel
 * connected or dropped, its counters saved, a setting changed), so the list fetches itself again
 * instead of polling. Never data: the list comes from /api/names.
 */
export async function GET(request: Request) {
  return apiHandler((user) =>
    eventStream(
      request,
      user,
      ({ send, end }) =>
        getLogAnnouncements().subscribeUser(user.id, { changed: () => send("names"), lost: end }),
      "Live updates are unavailable right now; the page refreshes by itself",
    ),
  );
}
