import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
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
  /** How long one statement may take (default QUERY_TIMEOUT_MS). */
  queryTimeoutMs?: number;
}

/**
 * Far beyond any one statement of Burrow's (big deletes and updates go in batches): past it the
 * database is struggling or gone, and the caller should say so rather than wait. Client-side
 * (pg's query_timeout), so that it also ends a wait on a connection that carries nothing any more,
 * and needs no startup parameter a connection pooler such as PgBouncer might refuse.
 */
export const QUERY_TIMEOUT_MS = 20_000;

/**
 * How long a statement waits for a free connection (or for a new one to open) before it fails.
 * Transactions wait as long: Prisma's own limit for them (2 s) was shorter, so while the pool was
 * busy (a burst of sign-ins and live views, a heavy search) every transaction failed (a sign-in,
 * a name reserved) while the plain queries around it still got their turn.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * pg's query_timeout fails a statement that got no answer but leaves it running on its connection,
 * and whatever is sent next waits behind it. pg-pool drops such a connection when a plain query
 * fails, but Prisma's interactive transactions hand theirs back as healthy: on a dead link (a
 * failover, a network dropping packets) every later query that drew it failed too, 20 s each. This
 * client closes its connection as soon as a statement of its own times out.
 */
class ClosingOnTimeoutClient extends pg.Client {
  override query: pg.Client["query"] = ((...args: Parameters<pg.Client["query"]>) => {
    const result: unknown = Reflect.apply(super.query, this, args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === "Query read timeout")
          this.connection.stream.destroy();
      });
    }
    return result;
  }) as pg.Client["query"];
}

/** The one Prisma client factory, used by the dashboard, the relay and the CLI. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const queryTimeoutMs = options.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "burrow",
    // Fail fast when the database is down, so callers can answer "try again" instead of hanging.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A database that stops answering (packets dropped, a paused VM) fails no statement by
    // itself: each would wait for the kernel's TCP timeout (~15 min), dashboard pages would load
    // for ever, and the pool's connections would stay stuck on the dead link after the database
    // came back elsewhere. A timed-out connection is closed, not handed out again.
    query_timeout: queryTimeoutMs,
    Client: ClosingOnTimeoutClient,
  });
  return new PrismaClient({ adapter, omit, transactionOptions: { maxWait: CONNECT_TIMEOUT_MS } });
}
