import { finishesWithin } from "../../lib/time-limit.ts";

/**
 * Bounds a database call on the SSH path. The pg pool already fails after 5 s when it cannot
 * connect, but a query to a hung server waits much longer; an SSH client should hear "try again"
 * in seconds, not hang.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(await finishesWithin(promise, ms))) throw new Error(`${what} timed out after ${ms} ms`);
  return promise;
}
