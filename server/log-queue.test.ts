import assert from "node:assert/strict";
import { test } from "node:test";
import type { NewRequestLog, RequestLogEnd, RequestLogEntry } from "../lib/request-logs/row.ts";
import { latestPerKey, nextBatchLength, rowsBeforeEnds, spliceIn } from "./log-queue.ts";

const row = (path: string) => ({ kind: undefined, path }) as unknown as NewRequestLog;
const end = (streamKey: string, final: boolean, durationMs = 0) =>
  ({ kind: "end", streamKey, final, durationMs }) as RequestLogEnd;
const label = (entry: RequestLogEntry) =>
  "path" in entry ? entry.path : `${entry.streamKey}${entry.final ? "!" : "?"}${entry.durationMs}`;

test("spliceIn inserts more items than a spread call could take", () => {
  const array = [1, 2, 3];
  const many = Array.from({ length: 200_000 }, () => 0);
  spliceIn(array, 1, 1, many);
  assert.equal(array.length, 200_002);
  assert.deepEqual([array[0], array[1], array.at(-2), array.at(-1)], [1, 0, 0, 3]);
});

test("a batch is a run of rows or of ends from the front, within what is due and the batch size", () => {
  const queue = [row("a"), row("b"), end("k", true), row("c")];
  assert.equal(nextBatchLength(queue, 4, 100), 2);
  assert.equal(nextBatchLength(queue, 1, 100), 1, "only what is due");
  assert.equal(nextBatchLength(queue, 4, 1), 1, "batch size");
  assert.equal(nextBatchLength(queue.slice(2), 2, 100), 1, "ends alone");
});

test("rows go before ends, each kind in its order; a queue of one kind is left as it is", () => {
  const queue = [row("a"), end("k", false), row("b"), end("k", true), row("c"), row("not due")];
  rowsBeforeEnds(queue, 5);
  assert.deepEqual(queue.map(label), ["a", "b", "c", "k?0", "k!0", "not due"]);
  const rows = [row("a"), row("b")];
  rowsBeforeEnds(rows, 2);
  assert.deepEqual(rows.map(label), ["a", "b"]);
});

test("one end per key: the latest, and a final one over any later checkpoint", () => {
  const ends = [
    end("a", false, 1),
    end("b", false, 1),
    end("a", false, 2),
    end("a", true, 3),
    end("a", false, 4),
  ];
  assert.deepEqual(latestPerKey(ends).map(label), ["a!3", "b?1"]);
  const distinct = [end("a", true), end("b", false)];
  assert.equal(latestPerKey(distinct), distinct, "nothing to merge: the same array");
});
