import "server-only";
import { KeyedSlots } from "../throttle/keyed-slots.ts";

/**
 * How many searches of their request logs one user runs at once: filtered pages (not the live
 * tail, which reads only new rows) and downloads. Each reads up to a window of the log (100,000
 * rows, 32 MiB of bodies) and takes a database core for up to a second or so; a heavy user with a
 * search in each of six tabs made every other user's pages and live views 4-7 times slower (p50
 * 0.2 s to 1.6 s in a 100-user run). Their next ones wait their turn.
 */
export const LOG_SEARCHES_PER_USER = 2;
/** Beyond this many waiting, a user's next search is refused (429) rather than queued. */
const MAX_WAITING_PER_USER = 16;

// Per process, kept on globalThis so `next dev` reloads do not reset it.
const globalForSlots = globalThis as typeof globalThis & { burrowLogSearchSlots?: KeyedSlots };

globalForSlots.burrowLogSearchSlots ??= new KeyedSlots({
  perKey: LOG_SEARCHES_PER_USER,
  maxWaiting: MAX_WAITING_PER_USER,
  busyMessage: (count) =>
    `You have ${count} log searches and downloads under way: wait for some to finish, then try again`,
});

/** Slots for log searches, keyed by user id. */
export const logSearchSlots: KeyedSlots = globalForSlots.burrowLogSearchSlots;
