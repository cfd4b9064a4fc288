import {
  isRequestLogEnd,
  type NewRequestLog,
  type RequestLogEnd,
  type RequestLogEntry,
} from "../lib/request-logs/row.ts";

// Pure helpers for the request log writer's queue (log-writer.ts): rows and the ends of rows
// written open, oldest first.

/**
 * `array.splice(start, deleteCount, ...items)` without the spread: V8 overflows its stack at about
 * 120,000 arguments, and a queue may hold more than that (BURROW_LOG_QUEUE_MAX) in an outage.
 */
export function spliceIn<T>(array: T[], start: number, deleteCount: number, items: readonly T[]): void {
  const tail = array.splice(start + deleteCount);
  array.length = start;
  for (const item of items) array.push(item);
  for (const item of tail) array.push(item);
}

/** Characters of kept bodies (hex) and frame times an entry holds: what bounds the queue's memory. */
export function bodyChars(entry: RequestLogEntry): number {
  return (
    (entry.requestBody?.length ?? 0) +
    (entry.responseBody?.length ?? 0) +
    (entry.responseBodyDecoded?.length ?? 0) +
    (entry.frameTimes?.length ?? 0)
  );
}

/** A closed row without bodies: nothing will change it once queued (see CopyBlock). */
export function isPlain(row: NewRequestLog): boolean {
  return !row.open && row.streamKey === null && bodyChars(row) === 0;
}

/**
 * How many entries from the front of the queue's first `due` make the next statement: rows or ends
 * (not both), at most `batchSize`.
 */
export function nextBatchLength(queue: readonly RequestLogEntry[], due: number, batchSize: number): number {
  const ends = isRequestLogEnd(queue[0]!);
  let count = 1;
  const most = Math.min(batchSize, due);
  while (count < most && isRequestLogEnd(queue[count]!) === ends) count += 1;
  return count;
}

/**
 * The last of each key's ends, a final one over any checkpoint: each carries the whole state so
 * far, and an UPDATE … FROM joining one row to several of them would apply any one of them (a
 * checkpoint over its final end, leaving the row open for good).
 */
export function latestPerKey(ends: RequestLogEnd[]): RequestLogEnd[] {
  const latest = new Map<string, RequestLogEnd>();
  for (const end of ends) if (end.final || !latest.get(end.streamKey)?.final) latest.set(end.streamKey, end);
  return latest.size === ends.length ? ends : [...latest.values()];
}

/**
 * Puts the queue's first `due` entries' rows before their ends, each kind in its order (each end's
 * row is before it, so it is still written before it): two statements a write instead of one per
 * alternation.
 */
export function rowsBeforeEnds(queue: RequestLogEntry[], due: number): void {
  const front = queue.slice(0, due);
  const rows = front.filter((entry) => !isRequestLogEnd(entry));
  if (rows.length === 0 || rows.length === due) return;
  spliceIn(queue, 0, due, rows.concat(front.filter(isRequestLogEnd)));
}
