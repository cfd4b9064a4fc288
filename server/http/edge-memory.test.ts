import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import http from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { type LocalApp, startLocalApp, TEST_DOMAIN } from "./testing.ts";
import type { MemorySample } from "./testing-relay-process.ts";

const MiB = 1024 * 1024;
const UPLOAD_BYTES = 256 * MiB;
const DOWNLOAD_BYTES = 256 * MiB;
/** RSS growth allowed while 256 MiB pass through: a few channel windows and allocator slack. */
const MAX_RSS_GROWTH = 64 * MiB;
/** Live buffer growth allowed (measured after a full GC): a few 2 MiB channel windows. */
const MAX_BUFFER_GROWTH = 24 * MiB;

let testDb: TestDatabase;
let relay: ChildProcess;
let httpPort: number;
let app: LocalApp;
const host = `bulk.${TEST_DOMAIN}`;

/** Sends a command to the relay process and waits for the reply that has `key`; returns the reply. */
function ask<T>(message: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (!(key in reply)) return;
      relay.off("message", onMessage);
      resolve(reply as T);
    };
    relay.on("message", onMessage);
    relay.once("exit", () => reject(new Error("the relay process exited")));
    relay.send(message);
  });
}

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
  relay = fork(join(import.meta.dirname, "testing-relay-process.ts"), [], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    env: { ...process.env, BURROW_EDGE_TEST_DB_URL: testDb.url },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<{ httpPort: number }>((resolve, reject) => {
    relay.once("message", (m: { ready?: { httpPort: number } }) =>
      m.ready ? resolve(m.ready) : reject(new Error("bad hello")),
    );
    relay.once("exit", () => reject(new Error("relay process failed to start")));
  });
  httpPort = ready.httpPort;
  await ask({ cmd: "tunnel", name: "bulk", port: app.port }, "tunnel");
});

after(async () => {
  if (relay?.connected) {
    const exited = new Promise((resolve) => relay.once("exit", resolve));
    relay.disconnect();
    await exited;
  }
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
        port: httpPort,
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
        { host: "127.0.0.1", port: httpPort, path: "/download", headers: { host }, setHost: false },
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

function growth(report: { peak: MemorySample; baseline: MemorySample }): string {
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const { peak, baseline } = report;
  return (
    `rss +${mib(peak.rss - baseline.rss)} (from ${mib(baseline.rss)}), ` +
    `live buffers +${mib(peak.arrayBuffers - baseline.arrayBuffers)}, heap +${mib(peak.heapTotal - baseline.heapTotal)}`
  );
}

test("a 256 MiB upload streams through with bounded relay memory", async (t) => {
  // Warm up: first-use allocations (ciphers, V8 growing its young generation, glibc keeping freed
  // buffers for reuse) add tens of MiB once and then stay flat however much is streamed (measured:
  // +50 MiB on the second upload, +0 on the third to sixth). Two rounds, each ending in the same
  // GC the baseline does, reach that plateau; the measured upload then shows what streaming costs,
  // and a relay that buffered bodies would grow by the body size.
  for (let round = 0; round < 2; round++) {
    await ask({ cmd: "baseline" }, "baseline");
    assert.equal(await upload(64 * MiB), String(64 * MiB));
  }
  await ask({ cmd: "baseline" }, "baseline");
  assert.equal(await upload(UPLOAD_BYTES), String(UPLOAD_BYTES), "the app counted every byte");
  const report = await ask<{ peak: MemorySample; baseline: MemorySample }>({ cmd: "report" }, "peak");
  t.diagnostic(growth(report));
  assert.ok(report.peak.rss - report.baseline.rss < MAX_RSS_GROWTH, growth(report));
  assert.ok(report.peak.arrayBuffers - report.baseline.arrayBuffers < MAX_BUFFER_GROWTH, growth(report));
});

test("a 256 MiB download streams through with bounded relay memory", async (t) => {
  await ask({ cmd: "baseline" }, "baseline");
  assert.equal(await download(), DOWNLOAD_BYTES);
  const report = await ask<{ peak: MemorySample; baseline: MemorySample }>({ cmd: "report" }, "peak");
  t.diagnostic(growth(report));
  assert.ok(report.peak.rss - report.baseline.rss < MAX_RSS_GROWTH, growth(report));
  assert.ok(report.peak.arrayBuffers - report.baseline.arrayBuffers < MAX_BUFFER_GROWTH, growth(report));
});
