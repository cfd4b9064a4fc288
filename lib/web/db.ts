import "server-only";
import { createDb, type Db } from "../db.ts";
import { getEnv } from "./env.ts";

// One pool per server process. Kept on globalThis because `next dev` re-evaluates modules on every
// edit, and each evaluation would otherwise open a fresh pool until Postgres runs out of connections.
const globalForDb = globalThis as typeof globalThis & { burrowDashboardDb?: Db };

/** The dashboard's single Prisma client. */
export function getDb(): Db {
  if (!globalForDb.burrowDashboardDb) {
    const url = getEnv().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the dashboard with `npm start`");
    globalForDb.burrowDashboardDb = createDb(url, { applicationName: "burrow-dashboard" });
  }
  return globalForDb.burrowDashboardDb;
}
