import assert from "node:assert/strict";
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import { endWhenRead } from "./end-when-read.ts";

/** A stream fed by hand, as ssh2 feeds a channel: push() from outside, _read only asks for more. */
function fedStream(): Readable {
  return endWhenRead(new Readable({ read() {} }));
}

/**
 * Reads like undici's HTTP/1.1 parser: on 'readable' it reads until there is nothing left unless
 * it is paused (its answer's visitor is behind); resume() reads again.
 */
function pausingReader(stream: Readable) {
  const reader = {
    paused: false,
    chunks: [] as string[],
    ended: false,
    readMore() {
      while (!reader.paused) {
        const chunk: unknown = stream.read();
        if (chunk === null) break;
        reader.chunks.push(String(chunk));
      }
    },
  };
  stream.on("readable", () => reader.readMore());
  stream.on("end", () => {
    assert.equal(reader.paused, false, "'end' reached a paused reader");
    reader.ended = true;
  });
  return reader;
}

test("the end already buffered when the reader takes the last bytes and pauses waits until it reads again", async () => {
  const stream = fedStream();
  const reader = pausingReader(stream);
  reader.paused = true;
  stream.push(Buffer.from("all of it"));
  stream.push(null);
  await tick();
  // One read takes everything buffered and the reader pauses on it, as undici does.
  assert.equal(String(stream.read()), "all of it");
  await tick();
  await tick();
  assert.equal(reader.ended, false, "'end' while the reader was paused");
  reader.paused = false;
  reader.readMore();
  await new Promise((resolve) => stream.once("end", resolve));
});

test("a reader waiting for data gets the end at once", async () => {
  const stream = fedStream();
  const seen: string[] = [];
  stream.on("readable", () => {
    for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) seen.push(String(chunk));
  });
  stream.push(Buffer.from("a"));
  stream.push(Buffer.from("b"));
  await tick();
  stream.push(null);
  await new Promise((resolve) => stream.once("end", resolve));
  assert.deepEqual(seen.join(""), "ab");
});

test("a flowing reader (a pipe: upgraded WebSockets) gets every byte and the end as before", async () => {
  const stream = fedStream();
  const received: Buffer[] = [];
  const done = pipeline(
    stream,
    new PassThrough(),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        callback();
      },
    }),
  );
  for (let i = 0; i < 100; i++) {
    // One chunk per turn: a flowing stream hands each straight to its reader, with no read() call.
    await tick();
    stream.push(Buffer.alloc(1000, i));
  }
  stream.push(null);
  await done;
  assert.equal(Buffer.concat(received).length, 100_000);
});
