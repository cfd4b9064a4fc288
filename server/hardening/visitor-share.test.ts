import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { startEventStreamApp } from "../http/testing.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

/**
 * QA: one visitor holding 260 event streams took all 256 of a tunnel's app connections, and every
 * other visitor waited 30 s for "Tunnel busy". Here the relay, configured with 8
 * (BURROW_MAX_APP_CONNECTIONS), keeps a visitor's share (2, a quarter) free for the others: one
 * visitor may hold 6; the hog asks for 2 more than that.
 */
const MAX_APP_CONNECTIONS = 8;
const SHARE = 2;
/** What one visitor may hold while the others have nothing: all but the share. */
const HOG_HOLDS = MAX_APP_CONNECTIONS - SHARE;
const EXTRA = 2;
/**
 * How long the relay lets a request wait for a connection before "busy": 1 s instead of 30 s, passed
 * through the relay's deps over what BURROW_MAX_APP_CONNECTIONS sets (the count stays the setting's).
 */
const QUEUE_WAIT_MS = 1_000;

let t: TestRelay;
before(async () => {
  t = await startTestRelay(
    { BURROW_MAX_APP_CONNECTIONS: String(MAX_APP_CONNECTIONS) },
    { poolLimits: { queueWaitMs: QUEUE_WAIT_MS } },
  );
});
after(() => t.close());

/** Asks for an event stream from `ip`; `first` is the first answer, its event or the busy page. */
function askForStream(name: string, ip: string) {
  const socket = net.connect({ port: t.httpPort, host: "127.0.0.1", localAddress: ip });
  socket.on("error", () => {});
  socket.write(`GET /events HTTP/1.1\r\nHost: ${name}.localhost\r\n\r\n`);
  let seen = "";
  const first = new Promise<string>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("data: hello") || seen.includes("</html>")) resolve(seen);
    });
    socket.on("close", () => resolve(seen));
  });
  return { socket, first };
}

// Bounded well under the relay's default 30 s wait: a test that takes that long was not given the 1 s.
test("a visitor holding more event streams than its share (real relay, ssh -R): others are served at once, its extra requests get 'Tunnel busy', the owner's ssh session is told", {
  timeout: 20_000,
}, async () => {
  const name = "share-hog";
  const app = await startEventStreamApp();
  const user = await t.createUserWithKey();
  await t.reserve(user, name);
  const ssh = await t.startSsh({
    user,
    forwards: [`${name}:80:127.0.0.1:${app.port}`],
    session: true,
  });
  const hog = Array.from({ length: HOG_HOLDS + EXTRA }, () => askForStream(name, "127.0.0.1"));
  try {
    assert.equal(ssh.state, "live", ssh.stderr());
    await Promise.all(hog.slice(0, HOG_HOLDS).map((stream) => stream.first));
    await t.waitFor(() => app.streams.size === HOG_HOLDS, "the hog's share of streams to open");

    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(
        {
          port: t.httpPort,
          host: "127.0.0.1",
          localAddress: "127.0.0.2",
          headers: { host: `${name}.localhost` },
        },
        (answer) => {
          let body = "";
          answer.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          answer.on("end", () => resolve({ status: answer.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
    });
    // Had it waited behind the hog, the wait would have ended in "busy" (none of the hog's ends).
    assert.equal(res.status, 200);
    assert.equal(res.body, "quick");

    // The hog's extra requests wait QUEUE_WAIT_MS for one of its own streams to end; none does.
    for (const stream of hog.slice(HOG_HOLDS)) {
      const answer = await stream.first;
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /Tunnel busy/);
    }
    assert.equal(app.streams.size, HOG_HOLDS);
    await ssh.waitForStdout(
      /share-hog: a request got "Tunnel busy" \(503\): one visitor \(127\.0\.0\.1\) holds 6 requests open/,
    );
    // Two turned away, told once (at most once a minute).
    assert.equal(ssh.stdout().match(/Tunnel busy/g)?.length, 1, ssh.stdout());
  } finally {
    for (const stream of hog) stream.socket.destroy();
    ssh.kill();
    await app.close();
  }
});
