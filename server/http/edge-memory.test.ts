import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { describeGrowth, forkMemoryProbe, growth, type MemoryProbe } from "../testing/memory-probe.ts";
import { type LocalApp, startLocalApp, TEST_DOMAIN } from "./testing.ts";

const MiB = 1024 * 1024;
/**
 * Bodies twice the RSS allowance and five times the buffer allowance: a relay holding one whole
 * fails both bounds. (256 MiB each took a third of a minute of CPU on 2 cores, for the same check.)
 */
const UPLOAD_BYTES = 128 * MiB;
const DOWNLOAD_BYTES = 128 * MiB;
/** What the chunked answer may send in all: more than a relay without backpressure takes in. */
const CHUNKED_BYTES = 256 * MiB;
/** RSS growth allowed while a body passes through: a few channel windows and allocator slack. */
const MAX_RSS_GROWTH = 64 * MiB;
/** Live buffer growth allowed (measured after a full GC): a few 2 MiB channel windows. */
const MAX_BUFFER_GROWTH = 24 * MiB;

let testDb: TestDatabase;
let relay: MemoryProbe;
let app: LocalApp;
const host = `bulk.${TEST_DOMAIN}`;
/** What the app's chunked answer has written so far. */
let chunkedSent = 0;

before(async () => {
  testDb = await createTestDatabase("edgemem");
  app = await startLocalApp((req, res) => {
    if (req.url === "/upload") {
      // Counts bytes and drops them: the app never holds the body either.
      let n = 0;
      req.on("data", (chunk: Buffer) => {
        n += chunk.length;
      });
      req.on("end", () => res.end(String(n)));
      return;
    }
    if (req.url === "/chunked") {
      // Chunked (no length), in 64 KiB writes as compression middleware or a streamed export
      // sends, for as long as the visitor reads; counts what it got to send.
      const piece = Buffer.alloc(64 * 1024, 2);
      const pump = () => {
        while (!res.destroyed && chunkedSent < CHUNKED_BYTES) {
          chunkedSent += piece.length;
          if (!res.write(piece)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    const chunk = Buffer.alloc(256 * 1024, 1);
    res.writeHead(200, { "content-length": DOWNLOAD_BYTES });
    let left = DOWNLOAD_BYTES;
    const pump = () => {
      while (left > 0) {
        left -= chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  relay = await forkMemoryProbe(join(import.meta.dirname, "testing-relay-process.ts"), {
    BURROW_EDGE_TEST_DB_URL: testDb.url,
  });
  await relay.ask({ cmd: "tunnel", name: "bulk", port: app.port }, "tunnel");
});

after(async () => {
  await relay?.stop();
  await app?.close();
  await testDb?.drop();
});

function upload(bytes: number): Promise<string> {
  const chunk = Buffer.alloc(MiB, 5);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: relay.httpPort,
        method: "POST",
        path: "/upload",
        headers: { host, "content-length": bytes },
        setHost: false,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve(text));
      },
    );
    req.on("error", reject);
    body.pipe(req);
  });
}

function download(): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: "127.0.0.1", port: relay.httpPort, path: "/download", headers: { host }, setHost: false },
        (res) => {
          let n = 0;
          res.on("data", (c: Buffer) => {
            n += c.length;
          });
          res.on("end", () => resolve(n));
          res.on("error", reject);
        },
      )
      .on("error", reject);
  });
}

test("a 128 MiB upload streams through with bounded relay memory", async (t) => {
  // Warm up: first-use allocations (ciphers, V8 growing its young generation, glibc keeping freed
  // buffers for reuse) add tens of MiB once and then stay flat however much is streamed (measured:
  // +50 MiB on the second upload, +0 on the third to sixth). Two rounds, each ending in the same
  // GC the baseline does, reach that plateau; the measured upload then shows what streaming costs,
  // and a relay that buffered bodies would grow by the body size.
  for (let round = 0; round < 2; round++) {
    await relay.baseline();
    assert.equal(await upload(64 * MiB), String(64 * MiB));
  }
  await relay.baseline();
  assert.equal(await upload(UPLOAD_BYTES), String(UPLOAD_BYTES), "the app counted every byte");
  const report = await relay.report();
  t.diagnostic(describeGrowth(report));
  assert.ok(growth(report).rss < MAX_RSS_GROWTH, describeGrowth(report));
  assert.ok(growth(report).arrayBuffers < MAX_BUFFER_GROWTH, describeGrowth(report));
});

test("a 128 MiB download streams through with bounded relay memory", async (t) => {
  await relay.baseline();
  assert.equal(await download(), DOWNLOAD_BYTES);
  const report = await relay.report();
  t.diagnostic(describeGrowth(report));
  assert.ok(growth(report).rss < MAX_RSS_GROWTH, describeGrowth(report));
  assert.ok(growth(report).arrayBuffers < MAX_BUFFER_GROWTH, describeGrowth(report));
});

test("a chunked download read slowly holds the app back: the relay does not pile up what the visitor has not read", async (t) => {
  // undici re-reads everything a channel has buffered at each resume and puts back what it did not
  // parse, which asked the SSH client for another window each time: a slow visitor of a chunked
  // answer (paused every 64 KiB) made the relay take in the app's whole answer, at a cost that grew
  // with it.
  await relay.baseline();
  chunkedSent = 0;
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port: relay.httpPort, path: "/chunked", headers: { host }, setHost: false },
      (res) => {
        assert.equal(res.headers["transfer-encoding"], "chunked");
        res.pause();
        // About 4 MiB/s for 4 s: a visitor on a slow line.
        const timer = setInterval(() => {
          for (let got = 0; got < 64 * 1024; ) {
            const chunk = res.read() as Buffer | null;
            if (!chunk) break;
            got += chunk.length;
            received += chunk.length;
          }
        }, 16);
        setTimeout(() => {
          clearInterval(timer);
          req.destroy();
          resolve();
        }, 4_000);
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? undefined : reject(error),
    );
  });
  const report = await relay.report();
  const backlog = chunkedSent - received;
  t.diagnostic(
    `app sent ${chunkedSent >> 20} MiB, visitor read ${received >> 20} MiB; ${describeGrowth(report)}`,
  );
  // At least a little: the interval's ticks come late on a loaded machine (3 MiB seen in CI-like
  // load); what matters is that the app is held back, below.
  assert.ok(received > 1 * MiB, "the visitor did read");
  // Socket buffers, two SSH channel windows and the relay's stream buffers; without backpressure
  // it grows by the app's speed for as long as the download lasts.
  assert.ok(backlog < 48 * MiB, `backlog ${backlog >> 20} MiB`);
  assert.ok(growth(report).arrayBuffers < MAX_BUFFER_GROWTH, describeGrowth(report));
});
