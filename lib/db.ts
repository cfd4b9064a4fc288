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
 * client closes its connection as soon as a statement of its own times out, and asks PostgreSQL to
 * cancel the statement: a closed connection alone does not stop it (PostgreSQL notices only when it
 * next writes to it), so a search the dashboard gave up on went on taking a core for minutes.
 */
class ClosingOnTimeoutClient extends pg.Client {
  override query: pg.Client["query"] = ((...args: Parameters<pg.Client["query"]>) => {
    // pg-pool's own queries (Prisma's outside transactions) pass a callback; pg-pool then drops
    // the connection itself when the statement failed.
    const last = args.length - 1;
    const callback: unknown = args[last];
    if (typeof callback === "function") {
      const reply = callback as (error: unknown, ...rest: unknown[]) => void;
      (args as unknown[])[last] = (error: unknown, ...rest: unknown[]) => {
        if (isReadTimeout(error)) cancelStatement(this);
        reply(error, ...rest);
      };
      return Reflect.apply(super.query, this, args);
    }
    const result: unknown = Reflect.apply(super.query, this, args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (!isReadTimeout(error)) return;
        cancelStatement(this);
        this.connection.stream.destroy();
      });
    }
    return result;
  }) as pg.Client["query"];
}

function isReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === "Query read timeout";
}

/** The server's key for a connection (its BackendKeyData), which pg keeps but does not type. */
interface BackendKey {
  processID: number | null;
  secretKey: number | null;
}

/** What pg's Connection does that its types leave out: a cancel request is all it sends. */
type CancelConnection = pg.Connection & {
  connect(portOrPath: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
};

/** How long a cancel request may take to be sent; a database that is gone cannot be asked. */
const CANCEL_SEND_MS = 5_000;

/**
 * Sends PostgreSQL a cancel request for the statement running on `client`'s connection, over a
 * connection of its own, as psql's Ctrl-C does (PgBouncer passes it on to the right server).
 * Best effort: a failure to send it is ignored.
 */
function cancelStatement(client: pg.Client): void {
  const { processID, secretKey } = client as unknown as BackendKey;
  if (processID === null || secretKey === null) return;
  const connection = new pg.Connection() as CancelConnection;
  const done = setTimeout(() => connection.stream.destroy(), CANCEL_SEND_MS);
  done.unref();
  connection.on("error", () => clearTimeout(done));
  connection.once("connect", () => connection.cancel(processID, secretKey));
  // The server closes it once it has read the request.
  connection.stream.once("close", () => clearTimeout(done));
  if (client.host.startsWith("/")) connection.connect(`${client.host}/.s.PGSQL.${client.port}`);
  else connection.connect(client.port, client.host);
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
