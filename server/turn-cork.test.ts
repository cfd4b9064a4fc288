import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { corkForTurn } from "./turn-cork.ts";

/** A writable that records each batch it is handed: one entry per write or writev. */
function recordingStream() {
  const batches: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      batches.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      batches.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, batches };
}

test("the writes of one turn leave together, the next turn's separately", async () => {
  const { stream, batches } = recordingStream();
  const cork = corkForTurn(stream);
  for (const text of ["a", "b", "c"]) {
    cork();
    stream.write(text);
  }
  assert.deepEqual(batches, [], "nothing leaves before the turn ends");
  await nextTurn();
  assert.deepEqual(batches, [["a", "b", "c"]]);
  cork();
  stream.write("d");
  await nextTurn();
  assert.deepEqual(batches, [["a", "b", "c"], ["d"]]);
  assert.equal(stream.writableCorked, 0);
});

test("end() within the turn sends what was corked, and the later uncork does no harm", async () => {
  const { stream, batches } = recordingStream();
  const cork = corkForTurn(stream);
  cork();
  stream.write("last");
  stream.end();
  await nextTurn();
  assert.deepEqual(batches.flat(), ["last"]);
  assert.equal(stream.writableFinished, true);
});

test("a stream destroyed within the turn is left alone", async () => {
  const { stream, batches } = recordingStream();
  stream.on("error", () => {});
  const cork = corkForTurn(stream);
  cork();
  stream.write("lost");
  stream.destroy();
  await nextTurn();
  assert.deepEqual(batches, []);
  assert.equal(stream.destroyed, true);
});
