import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type http from "node:http";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadEnv } from "../../lib/env.ts";
import { createLogger } from "../../lib/logger.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { TunnelRegistry } from "../registry.ts";
import { createHttpEdge } from "./edge.ts";
import { TUNNEL_STATE_HEADER, WAIT_HEADER, WAIT_VALUE } from "./online-wait.ts";
import {
  httpsEnv,
  makeTestCertificate,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

// The life of an HTTP/2 connection on the edge: closed when idle, told to go away at a stop.

let testDb: TestDatabase;
let certDir: string;

before(async () => {
  testDb = await createTestDatabase("edgeh2sessions");
  certDir = mkdtempSync(join(tmpdir(), "burrow-edge-h2-sessions-"));
  makeTestCertificate(certDir);
});

after(async () => {
  await testDb?.drop();
  rmSync(certDir, { recursive: true, force: true });
});

function connectH2(port: number | undefined, host: string): http2.ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: host, rejectUnauthorized: false });
  session.on("error", () => {});
  return session;
}

/** Resolves with `promise`, or fails after `ms` saying what did not happen. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test("an idle HTTP/2 connection is closed after the keep-alive time, and not while a request on it is open", async () => {
  // The edge alone, no tunnel: the request held open is the offline page's wait for a name that
  // has none, answered "offline" when the wait runs out (online-wait.ts).
  const edge = createHttpEdge({
    registry: new TunnelRegistry(),
    db: testDb.db,
    config: loadEnv({
      BURROW_DOMAIN: TEST_DOMAIN,
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_HTTP_PORT: "0",
      BURROW_REQUEST_LOG: "false",
      ...httpsEnv(certDir),
    }),
    logger: createLogger({ silent: true }),
    keepAliveTimeoutMs: 1_000,
    onlineWaits: { timeoutMs: 2_500 },
  });
  const { httpsPort } = await edge.listen();
  const host = `away.${TEST_DOMAIN}`;
  const session = connectH2(httpsPort, host);
  try {
    const closed = new Promise<number>((resolve) => session.once("close", () => resolve(Date.now())));
    const held = session.request({ ":authority": host, ":path": "/", [WAIT_HEADER]: WAIT_VALUE });
    const state = await new Promise<string | string[] | undefined>((resolve, reject) => {
      held.on("response", (headers) => resolve(headers[TUNNEL_STATE_HEADER]));
      held.on("error", reject);
    });
    held.resume();
    await new Promise((resolve) => held.once("close", resolve));
    const answeredAt = Date.now();
    // Held 2.5 s, well past the idle time: an open request is not idleness.
    assert.equal(state, "offline");
    assert.equal(session.closed, false, "closed while a request on it was open");
    const closedAt = await within(closed, 5_000, "the idle connection closed");
    assert.ok(closedAt - answeredAt >= 500, `closed ${closedAt - answeredAt} ms after its last request`);
  } finally {
    session.destroy();
    await edge.close();
  }
});

test("a relay stopping tells its HTTP/2 visitors to go away (GOAWAY), and the request under way still gets its answer", async () => {
  let held: http.ServerResponse | undefined;
  const app = await startLocalApp((_req, res) => {
    held = res;
  });
  const relay = await startEdgeTestRelay({ db: testDb.db, env: httpsEnv(certDir), drainTimeoutMs: 20_000 });
  const client = await startSshTunnel(relay, "h2drain", app.port);
  const host = `h2drain.${TEST_DOMAIN}`;
  const session = connectH2(relay.httpsPort, host);
  let stopping: Promise<void> | undefined;
  try {
    const goaway = new Promise<{ code: number; lastStreamId: number }>((resolve) =>
      session.once("goaway", (code, lastStreamId) => resolve({ code, lastStreamId })),
    );
    const slow = session.request({ ":authority": host, ":path": "/slow" });
    const answer = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      let status: number | undefined;
      let body = "";
      slow.setEncoding("utf8");
      slow.on("response", (headers) => {
        status = headers[":status"];
      });
      slow.on("data", (chunk: string) => {
        body += chunk;
      });
      slow.on("end", () => resolve({ status, body }));
      slow.on("error", reject);
    });
    await waitFor(() => held !== undefined, "the app to have the request");
    stopping = relay.close();
    const { code, lastStreamId } = await within(goaway, 5_000, "GOAWAY");
    assert.equal(code, http2.constants.NGHTTP2_NO_ERROR);
    assert.ok(
      slow.id !== undefined && lastStreamId >= slow.id,
      "the request under way is one the relay serves",
    );
    // Only now does the app answer: the connection told to go away still carries it.
    held?.end("done at last");
    assert.deepEqual(await within(answer, 5_000, "the answer"), { status: 200, body: "done at last" });
    await within(stopping, 10_000, "the relay's stop");
  } finally {
    held?.end();
    session.destroy();
    await stopping;
    await client.stop();
    await app.close();
  }
});
