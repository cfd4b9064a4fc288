import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export { Prisma } from "./generated/prisma/client.ts";
export { AccessMode, Admission, Role } from "./generated/prisma/enums.ts";

/**
 * Hashes never leave the database layer unless a query asks for them with `omit: { …: false }`; nor
 * do kept request bodies (up to 128 KiB a row), which only the request details ask for.
 */
const omit = {
  user: { passwordHash: true },
  reservation: { passwordHash: true },
  requestLog: { requestBody: true, responseBody: true, responseBodyDecoded: true, frameTimes: true },
} as const;

export type Db = PrismaClient<never, typeof omit>;

export interface DbOptions {
  /** Pool size; the relay and the dashboard each build their own pool. */
  max?: number;
  /** Name shown in pg_stat_activity, handy when several processes share one database. */
  applicationName?: string;
}

/** The one Prisma client factory, used by the dashboard, the relay and the CLI. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "burrow",
    // Fail fast when the database is down, so callers can answer "try again" instead of hanging.
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter, omit });
}
