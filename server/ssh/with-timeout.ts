import { finishesWithin } from "../../lib/time-limit.ts";
import { messages } from "./messages.ts";

/** A database call on the SSH path that did not answer within its time (the database may be fine). */
export class DatabaseTimeout extends Error {}

/**
 * Bounds a database call on the SSH path. The pg pool already fails after 5 s when it cannot
 * connect, but a query to a hung server waits much longer; an SSH client should hear "try again"
 * in seconds, not hang.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(await finishesWithin(promise, ms))) throw new DatabaseTimeout(`${what} timed out after ${ms} ms`);
  return promise;
}

/**
 * What an SSH user hears when a database call failed, and what the relay's log calls it: a
 * database that refused or dropped the connection is unreachable; one that took too long is only
 * slow (a busy or hung server, which is a different thing to look for).
 */
export function databaseTrouble(error: unknown): { message: string; log: string } {
  return error instanceof DatabaseTimeout
    ? { message: messages.databaseSlow, log: "database did not answer in time" }
    : { message: messages.databaseDown, log: "database unavailable" };
}
