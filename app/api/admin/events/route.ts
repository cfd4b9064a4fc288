import { AppError } from "@/lib/errors";
import { apiHandler } from "@/lib/web/api";
import { eventStream } from "@/lib/web/event-stream";
import { getLogAnnouncements } from "@/lib/web/log-announcements";

/**
 * Server-sent events for the admin's list of connected tunnels: `ready` once listening, then
 * `tunnels` whenever anyone's tunnel connected, dropped or had its counters saved, so the list
 * fetches /api/admin/tunnels again instead of polling. Everyone else gets a 404 like the page.
 */
export async function GET(request: Request) {
  return apiHandler(async (user) => {
    if (user.role !== "ADMIN") throw new AppError("not_found", "Not found");
    return eventStream(
      request,
      user,
      ({ send, end }) => getLogAnnouncements().subscribeAll({ changed: () => send("tunnels"), lost: end }),
      "Live updates are unavailable right now; the list refreshes by itself",
    );
  });
}
