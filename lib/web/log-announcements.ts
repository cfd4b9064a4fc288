import "server-only";
import { createLogAnnouncements, type LogAnnouncements } from "../request-logs/announcements.ts";
import { getEnv } from "./env.ts";

// One LISTEN connection per server process, kept on globalThis for the same reason as getDb's pool:
// `next dev` re-evaluates modules on every edit.
const globalForFeed = globalThis as typeof globalThis & { burrowLogAnnouncements?: LogAnnouncements };

/**
 * The dashboard's listener for new request log rows and status changes, by name or by user
 * (lib/request-logs/announcements.ts); the event streams subscribe to it.
 */
export function getLogAnnouncements(): LogAnnouncements {
  if (!globalForFeed.burrowLogAnnouncements) {
    const url = getEnv().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the dashboard with `npm start`");
    globalForFeed.burrowLogAnnouncements = createLogAnnouncements(url, { status: true });
  }
  return globalForFeed.burrowLogAnnouncements;
}
