import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  type EventStreamApp,
  requestEdge,
  type SshTunnelClient,
  startEdgeFixture,
  startEventStreamApp,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

/**
 * A tunnel allowed 3 channels, and a request waits 1 s for one (instead of 256 and 30 s); every
 * visitor here is 127.0.0.1, who may take them all (one visitor's share: visitor-share.test.ts).
 */
const MAX_CHANNELS = 3;
const QUEUE_WAIT_MS = 1_000;

let fixture: EdgeFixture<EventStreamApp>;
let relay: EdgeTestRelay;
/** Its open event streams each hold a channel until the test ends them. */
let app: EventStreamApp;
let client: SshTunnelClient;
const host = `busy.${TEST_DOMAIN}`;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgebusy",
    relayOptions: {
      poolLimits: {
        maxChannels: MAX_CHANNELS,
        queueWaitMs: QUEUE_WAIT_MS,
        maxChannelsPerVisitor: MAX_CHANNELS,
      },
    },
    startApp: startEventStreamApp,
  });
  ({ relay, app } = fixture);
  client = await fixture.openTunnel("busy");
});

after(() => fixture?.close());

/** Opens an event stream through the tunnel and waits for its first event; returns its visitor socket. */
async function openStream(): Promise<net.Socket> {
  const socket = net.connect(relay.httpPort, "127.0.0.1");
  socket.on("error", () => {});
  socket.write(`GET /events HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  let seen = "";
  await new Promise<void>((resolve) =>
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("data: hello")) resolve();
    }),
  );
  return socket;
}

async function takeEveryChannel(): Promise<net.Socket[]> {
  const visitors: net.Socket[] = [];
  for (let i = 0; i < MAX_CHANNELS; i++) visitors.push(await openStream());
  return visitors;
}

async function endStreams(visitors: net.Socket[]): Promise<void> {
  for (const visitor of visitors) visitor.destroy();
  await waitFor(() => app.streams.size === 0, "the app to see every stream end");
}

test("every channel held by an event stream: the next visitor hears 'Tunnel busy' with Retry-After, not silence", async () => {
  const visitors = await takeEveryChannel();
  try {
    const started = Date.now();
    const res = await requestEdge(relay, { host, path: "/quick" });
    assert.equal(res.status, 503);
    assert.equal(res.headers["retry-after"], "5");
    assert.match(res.body, /Tunnel busy/);
    assert.ok(Date.now() - started >= QUEUE_WAIT_MS - 50, "answered before the wait was over");
    const line = relay.traces.get("busy")?.lines.at(-1) ?? "";
    assert.match(line, /GET \/quick 503 .*tunnel busy/);
    // The owner hears why (once a minute at most: visitor-share.test.ts).
    const told = relay.traces.get("busy")?.lines.filter((said) => /Tunnel busy/.test(said)) ?? [];
    assert.equal(told.length, 1);
    assert.match(told[0]!, /all 3 requests your app may have open at once were taken .* within 1 s/);
    // And the relay's log, for its operator: once, with the counts.
    const warned = relay.logged.filter((said) => said.includes("tunnel busy: visitors turned away"));
    assert.equal(warned.length, 1, relay.logged.join("\n"));
    assert.match(warned[0]!, /^warn tunnel busy: visitors turned away \{/);
    assert.deepEqual(JSON.parse(warned[0]!.slice(warned[0]!.indexOf("{"))), {
      name: "busy",
      turnedAway: 1,
      cause: "all_channels",
      running: 3,
      maxChannels: 3,
      maxPerVisitor: 3,
    });
  } finally {
    await endStreams(visitors);
  }
  // Free again: the next request gets the app.
  assert.equal((await requestEdge(relay, { host, path: "/quick" })).body, "quick");
});

test("a waiting request gets the first channel that frees up", async () => {
  const visitors = await takeEveryChannel();
  try {
    const waiting = requestEdge(relay, { host, path: "/quick" });
    await sleep(QUEUE_WAIT_MS / 4);
    visitors.shift()!.destroy();
    const res = await waiting;
    assert.equal(res.status, 200);
    assert.equal(res.body, "quick");
  } finally {
    await endStreams(visitors);
  }
});

test("a visitor who leaves while waiting costs no channel", async () => {
  await requestEdge(relay, { host, path: "/quick" });
  const visitors = await takeEveryChannel();
  const opened = relay.traces.get("busy")!.channelsOpened;
  const leaver = net.connect(relay.httpPort, "127.0.0.1");
  leaver.on("error", () => {});
  leaver.write(`GET /quick HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  await sleep(QUEUE_WAIT_MS / 4);
  leaver.destroy();
  const trace = relay.traces.get("busy")!;
  await waitFor(
    () => trace.lines.some((line) => /GET \/quick .*visitor went away/.test(line)),
    "the relay to see the waiting visitor leave",
  );
  await endStreams(visitors);
  // The streams' channels went back to the pool (or closed); the next request is served, and the
  // request that was given up never opened or spent a channel of its own.
  assert.equal((await requestEdge(relay, { host, path: "/quick" })).body, "quick");
  await sleep(QUEUE_WAIT_MS);
  assert.ok(
    trace.channelsOpened <= opened + 1,
    `channels opened: ${trace.channelsOpened - opened} after the streams`,
  );
});

// Last: it ends the tunnel.
test("requests waiting when the tunnel goes away hear 'Tunnel offline' at once, not 'busy' later", async () => {
  const visitors = await takeEveryChannel();
  const waiting = requestEdge(relay, { host, path: "/quick" });
  await sleep(QUEUE_WAIT_MS / 4);
  await client.stop();
  const res = await waiting;
  assert.equal(res.status, 503);
  assert.match(res.body, /Tunnel offline/);
  for (const visitor of visitors) visitor.destroy();
});
