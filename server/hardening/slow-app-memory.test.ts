import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { describeGrowth, forkMemoryProbe, growth, type MemoryProbe } from "../testing/memory-probe.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** How long the visitor pushes (it would take far longer to send the whole GiB to this app). */
const PUSH_MS = 8_000;
/** The app reads 256 KiB every 100 ms: 2.5 MiB/s. */
const READ_BYTES = 256 * 1024;
const READ_EVERY_MS = 100;
/** A relay that buffered the body would grow by hundreds of MiB in PUSH_MS. */
const MAX_RSS_GROWTH = 48 * MiB;
const MAX_BUFFER_GROWTH = 24 * MiB;
/** Bytes in flight between the visitor and the app: kernel socket buffers and SSH windows. */
const MAX_IN_FLIGHT = 96 * MiB;

let relay: MemoryProbe;
let app: http.Server;
let appReceived = 0;

before(async () => {
  app = http.createServer((req, res) => {
    if (req.url === "/fast") {
      req.resume();
      req.on("end", () => res.end("fast"));
      return;
    }
    // A slow app: takes a little of the body at a time, then waits.
    req.pause();
    const timer = setInterval(() => {
      let taken = 0;
      for (let chunk = req.read() as Buffer | null; chunk; chunk = req.read() as Buffer | null) {
        appReceived += chunk.length;
        taken += chunk.length;
        if (taken >= READ_BYTES) break;
      }
    }, READ_EVERY_MS);
    req.on("close", () => clearInterval(timer));
    req.on("end", () => res.end("done"));
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  relay = await forkMemoryProbe(join(import.meta.dirname, "relay-process.ts"), {
    BURROW_HARDENING_APP_PORT: String((app.address() as AddressInfo).port),
  });
});

after(async () => {
  await relay?.stop();
  app?.closeAllConnections();
  app?.close();
});

/**
 * POSTs a body of `length` as fast as the connection takes it (writing only after each real drain),
 * until done or `stopAt`; returns the bytes the socket accepted.
 */
function push(path: string, length: number, stopAt: number): Promise<{ sent: number; status?: number }> {
  const chunk = Buffer.alloc(MiB, 7);
  return new Promise((resolve) => {
    let written = 0;
    const req = http.request({
      host: "127.0.0.1",
      port: relay.httpPort,
      method: "POST",
      path,
      headers: { host: "slow.localhost", "content-length": length },
      agent: false,
    });
    const sent = () => written - req.writableLength;
    const timer = setTimeout(() => {
      const total = sent();
      req.destroy();
      resolve({ sent: total });
    }, stopAt - Date.now());
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ sent: sent(), status: res.statusCode });
      });
    });
    req.on("error", () => {
      clearTimeout(timer);
      resolve({ sent: sent() });
    });
    const write = () => {
      while (written < length) {
        const piece = chunk.subarray(0, Math.min(chunk.length, length - written));
        written += piece.length;
        if (!req.write(piece)) {
          req.once("drain", write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

test("a visitor pushing a 1 GiB body at a slow app: backpressure holds and relay memory stays flat", async (t) => {
  // Warm-up: first-use allocations (ciphers, V8's young generation, allocator caches) add tens of
  // MiB once, then stay flat; measure after them (see server/http/edge-memory.test.ts).
  for (let round = 0; round < 2; round++) {
    const warm = await push("/fast", 64 * MiB, Date.now() + 30_000);
    assert.equal(warm.status, 200);
  }
  await relay.baseline();
  const before = appReceived;
  const { sent } = await push("/slow", GiB, Date.now() + PUSH_MS);
  const report = await relay.report();

  const received = appReceived - before;
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const summary = `sent ${mib(sent)}, app read ${mib(received)}, relay ${describeGrowth(report)}`;
  t.diagnostic(summary);
  assert.ok(received > 0, `the app read nothing: ${summary}`);
  assert.ok(sent - received < MAX_IN_FLIGHT, `the visitor was not held back: ${summary}`);
  assert.ok(growth(report).rss < MAX_RSS_GROWTH, summary);
  assert.ok(growth(report).arrayBuffers < MAX_BUFFER_GROWTH, summary);

  // The relay is fine afterwards.
  assert.equal((await push("/fast", MiB, Date.now() + 10_000)).status, 200);
});
