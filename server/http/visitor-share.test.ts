import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  type EventStreamApp,
  requestEdge,
  startEdgeFixture,
  startEventStreamApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

/**
 * A tunnel allowed 8 channels, a visitor's (IP's) share 2 (a quarter): one visitor may hold 6, the
 * last 2 staying free for the others; a request waits 1 s for one (instead of 256, 64 and 30 s).
 * Visitors are loopback addresses: 127.0.0.1 holds event streams, 127.0.0.2 and 127.0.0.3 come after;
 * IPv6 visitors come through a proxy the relay trusts (PROXY), named in X-Forwarded-For.
 */
const MAX_CHANNELS = 8;
const SHARE = 2;
/** What one visitor may hold while the others have nothing: all but the share. */
const HOG_HOLDS = MAX_CHANNELS - SHARE;
const QUEUE_WAIT_MS = 1_000;
const HOG = "127.0.0.1";
const PROXY = "127.0.0.9";

let fixture: EdgeFixture<EventStreamApp>;
let relay: EdgeTestRelay;
/** Its open event streams each hold a channel until their visitor leaves. */
let app: EventStreamApp;
const host = `share.${TEST_DOMAIN}`;

before(async () => {
  fixture = await startEdgeFixture({
    database: "visitorshare",
    relayOptions: {
      env: { BURROW_TRUSTED_PROXIES: PROXY },
      // As many may wait as the share: some of the hog's extra requests wait, the rest are refused.
      poolLimits: { maxChannels: MAX_CHANNELS, queueWaitMs: QUEUE_WAIT_MS, maxQueuedPerVisitor: SHARE },
    },
    startApp: startEventStreamApp,
    tunnels: ["share"],
  });
  ({ relay, app } = fixture);
});

after(() => fixture?.close());

interface Stream {
  socket: net.Socket;
  /** The first bytes the visitor got: the stream's event, or the relay's busy page. */
  first: Promise<string>;
  /** Milliseconds from the request to that first answer. */
  took: Promise<number>;
}

/**
 * Asks for an event stream from `ip` (or, through PROXY, from `forwardedFor`) to the tunnel at
 * `to`; does not wait for it to start.
 */
function askForStream(
  ip: string,
  { forwardedFor, to = host }: { forwardedFor?: string; to?: string } = {},
): Stream {
  const socket = net.connect({
    port: relay.httpPort,
    host: "127.0.0.1",
    localAddress: forwardedFor === undefined ? ip : PROXY,
  });
  socket.on("error", () => {});
  const forwarded = forwardedFor === undefined ? "" : `X-Forwarded-For: ${forwardedFor}\r\n`;
  socket.write(`GET /events HTTP/1.1\r\nHost: ${to}\r\n${forwarded}\r\n`);
  const sentAt = performance.now();
  let seen = "";
  const first = new Promise<string>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("data: hello") || seen.includes("</html>")) resolve(seen);
    });
    socket.on("close", () => resolve(seen));
  });
  return { socket, first, took: first.then(() => performance.now() - sentAt) };
}

async function endStreams(all: Stream[]): Promise<void> {
  for (const stream of all) stream.socket.destroy();
  await waitFor(() => app.streams.size === 0, "the app to see every stream end");
}

const ownerLines = () => relay.traces.get("share")?.lines.filter((line) => /Tunnel busy/.test(line)) ?? [];

test("one visitor holding more event streams than its share does not keep others waiting; its extra requests are turned away as busy, and the owner is told once", async () => {
  const hog = Array.from({ length: HOG_HOLDS + 4 }, () => askForStream(HOG));
  try {
    await Promise.all(hog.slice(0, HOG_HOLDS).map((stream) => stream.first));
    await waitFor(() => app.streams.size === HOG_HOLDS, "the hog's share of streams to open");

    // Another visitor's plain request is answered, not put behind the hog: a wait would end in
    // "busy", as none of the hog's streams ends.
    const res = await requestEdge(relay, { host, path: "/quick", localAddress: "127.0.0.2" });
    assert.equal(res.status, 200);
    assert.equal(res.body, "quick");
    // And a third visitor gets event streams of its own, up to its share.
    const other = [askForStream("127.0.0.3"), askForStream("127.0.0.3")];
    hog.push(...other);
    for (const stream of other) assert.match(await stream.first, /data: hello/);

    // The hog's requests beyond its share: two more than that may wait their turn, and the rest
    // hear "busy" at once; nor did a turn come for those waiting.
    const took = await Promise.all(hog.slice(HOG_HOLDS, HOG_HOLDS + 4).map((stream) => stream.took));
    // Those that waited were answered when the wait ran out (timers run to the millisecond).
    const waited = took.filter((ms) => ms >= QUEUE_WAIT_MS - 50);
    assert.equal(waited.length, 2, `not as many waited as the visitor's share: ${took.join(", ")} ms`);
    for (const stream of hog.slice(HOG_HOLDS, HOG_HOLDS + 4)) {
      const answer = await stream.first;
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /Tunnel busy/);
      assert.match(answer, /retry-after: 5/i);
    }
    assert.equal(
      app.streams.size,
      HOG_HOLDS + 2,
      "only the hog's share and the other visitor's streams were opened",
    );

    // Four turned away: the owner heard once, who holds how many.
    await waitFor(() => ownerLines().length > 0, "the owner to be told");
    assert.equal(ownerLines().length, 1, ownerLines().join("\n"));
    const notice = ownerLines()[0]!;
    assert.match(
      notice,
      /^share: a request got "Tunnel busy" \(503\): one visitor \(127\.0\.0\.1\) holds 6 /,
    );
    assert.match(notice, /hold 6 of 8 while the last 2 stay free for others/);
    assert.match(notice, /Other visitors are still served/);
    // The relay's log says it too, for its operator: once, naming the visitor and what it holds.
    const warned = relay.logged.filter((line) => line.includes("tunnel busy: visitors turned away"));
    assert.equal(warned.length, 1, relay.logged.join("\n"));
    assert.deepEqual(JSON.parse(warned[0]!.slice(warned[0]!.indexOf("{"))), {
      name: "share",
      turnedAway: 1,
      cause: "one_visitor",
      visitor: HOG,
      held: HOG_HOLDS,
      running: HOG_HOLDS,
      maxChannels: MAX_CHANNELS,
      maxPerVisitor: SHARE,
    });
    const logged = relay.traces
      .get("share")!
      .lines.filter((line) => /GET \/events 503 .*tunnel busy/.test(line));
    assert.equal(logged.length, 4);
  } finally {
    await endStreams(hog);
  }
});

test("a visitor's waiting request starts when one of its own ends", async () => {
  const hog = Array.from({ length: HOG_HOLDS + 1 }, () => askForStream(HOG));
  try {
    await Promise.all(hog.slice(0, HOG_HOLDS).map((stream) => stream.first));
    await waitFor(() => app.streams.size === HOG_HOLDS, "the hog's share of streams to open");
    hog.shift()!.socket.destroy();
    assert.match(await hog.at(-1)!.first, /data: hello/);
    assert.ok(ownerLines().length <= 1, "the owner was told again within the minute");
  } finally {
    await endStreams(hog);
  }
});

test("an IPv6 visitor rotating its address within its /64 is one visitor: it cannot take more than one visitor's share", async () => {
  // Its own tunnel: the owner of "share" may already have been told within the minute.
  const client6 = await startSshTunnel(relay, "share6", app.port);
  const to = `share6.${TEST_DOMAIN}`;
  // A fresh address for every request, as a phone's temporary addresses or a script would pick.
  const hog = Array.from({ length: HOG_HOLDS + 2 }, (_, i) =>
    askForStream(HOG, { forwardedFor: `2001:db8:7:7:${(0x1a2b + i).toString(16)}:3c4d:5e6f:${i + 1}`, to }),
  );
  try {
    for (const stream of hog) {
      const answer = await stream.first;
      if (answer.includes("data: hello")) continue;
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /Tunnel busy/);
    }
    assert.equal(app.streams.size, HOG_HOLDS, "the /64 held more than one visitor may");
    const res = await requestEdge(relay, { host: to, path: "/quick", localAddress: "127.0.0.2" });
    assert.equal(res.status, 200, "another visitor found every connection taken");
    assert.equal(res.body, "quick");
    const told = relay.traces.get("share6")?.lines.filter((line) => /Tunnel busy/.test(line)) ?? [];
    assert.match(told[0] ?? "", /one visitor \(2001:db8:7:7::\/64\) holds 6 /);
  } finally {
    await endStreams(hog);
    await client6.stop();
  }
});
