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

/** pg's and the driver adapter's messages when the connection failed, broke or went unanswered. */
const UNAVAILABLE_MESSAGE =
  /Can't reach database|Server has closed the connection|Connection terminated|Query read timeout|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|not queryable/;

/** True when `error` says the database could not be reached or stopped answering, not a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return UNAVAILABLE_MESSAGE.test(error.message);
}

/** An error's last line (Prisma's reason, after its quote of the calling source), at most 300 characters. */
export function lastLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.trimEnd().split("\n").at(-1) ?? "").slice(0, 300);
}
