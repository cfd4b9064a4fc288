/**
 * Telling "the database is away" from a bug, for messages: a user can only wait for the first,
 * and an operator reads one line about it rather than Prisma's message, which spans lines and
 * quotes the calling source.
 */

/** What the dashboard says when a page's or an action's database work could not be done. */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "Burrow cannot reach its database right now. Try again in a moment.";

/**
 * Prisma's codes for a server it cannot reach, that timed out or closed the connection, or a pool
 * with no connection free in time; Node's for a refused or broken socket; PostgreSQL's shutdown
 * (57P0x), connection (08xxx) and too-many-connections (53300) errors.
 */
const UNAVAILABLE_CODES = new Set([
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/**
 * pg's and the driver adapter's messages when the connection failed, broke or went unanswered, and
 * Prisma's when no connection came free for a transaction in time (P2028, a code it also uses for
 * a transaction used after it ended, which is a bug).
 */
const UNAVAILABLE_MESSAGE =
  /Can't reach database|Server has closed the connection|Connection terminated|Query read timeout|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|not queryable|Unable to start a transaction in the given time/;

/**
 * The error and what it wraps, outermost first: Auth.js wraps what its sign-in callbacks threw (the
 * web session's insert) as `cause.err` of a CallbackRouteError whose own message is only a link.
 */
function causeChain(error: Error): Error[] {
  const chain = [error];
  for (let depth = 0; depth < 5; depth++) {
    const cause: unknown = chain.at(-1)?.cause;
    const next =
      cause && typeof cause === "object" && "err" in cause && cause.err instanceof Error ? cause.err : cause;
    if (!(next instanceof Error)) break;
    chain.push(next);
  }
  return chain;
}

/** One of UNAVAILABLE_CODES, or any of PostgreSQL's connection errors (08xxx). */
function isUnavailableCode(code: unknown): boolean {
  return typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"));
}

function saysUnavailable(error: Error): boolean {
  if (isUnavailableCode((error as { code?: unknown }).code)) return true;
  // A raw query's error (Prisma's P2010) carries PostgreSQL's code only in its meta: a server shut
  // down under a query says 57P01 there.
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } }).meta;
  if (isUnavailableCode(meta?.driverAdapterError?.cause?.originalCode)) return true;
  return UNAVAILABLE_MESSAGE.test(error.message);
}

/** True when `error` (or what it wraps) says the database could not be reached or stopped answering. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return error instanceof Error && causeChain(error).some(saysUnavailable);
}

/** An error's last line (Prisma's reason, after its quote of the calling source), at most 300 characters. */
export function lastLine(error: unknown): string {
  const text =
    error instanceof Error ? (causeChain(error).find(saysUnavailable) ?? error).message : String(error);
  return (text.trimEnd().split("\n").at(-1) ?? "").slice(0, 300);
}
