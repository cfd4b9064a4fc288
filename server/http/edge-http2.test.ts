import assert from "node:assert/strict";
import type http from "node:http";
import http2 from "node:http2";
import { after, before, test } from "node:test";
import type { TestDatabase } from "../../lib/testing/db.ts";
import { http1RawHeaders } from "./http2-visitors.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  getEdgeHttps,
  holdEventStream,
  httpsEnv,
  type LocalApp,
  startEdgeFixture,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

let fixture: EdgeFixture;
let testDb: TestDatabase;
let certDir: string;
let relay: EdgeTestRelay;
let app: LocalApp;
/** Event streams the app holds open, by the path they were asked with. */
const streams = new Map<string, http.ServerResponse>();
const host = `h2app.${TEST_DOMAIN}`;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgehttp2",
    https: true,
    app: (req, res) => {
      if (holdEventStream(streams, req, res)) return;
      if (req.url === "/refuse-upload") {
        // Answers before reading the body, as an app refusing a too-large upload does.
        res.writeHead(413, { "content-type": "text/plain" });
        res.end("too large");
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        res.writeHead(201, "Made", [
          "content-type",
          "application/json",
          "set-cookie",
          "one=1; Path=/",
          "set-cookie",
          "two=2; Path=/",
          // Connection-scoped: HTTP/2 forbids these, the relay must not pass them on.
          "connection",
          "keep-alive",
          "keep-alive",
          "timeout=5",
        ]);
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            httpVersion: req.httpVersion,
            rawHeaders: req.rawHeaders,
            bodyBytes: body.length,
            bodySum: body.reduce((sum, byte) => (sum + byte) % 65_521, 0),
          }),
        );
      });
    },
    tunnels: ["h2app"],
  });
  ({ testDb, relay, app } = fixture);
  certDir = fixture.certDir!;
});

after(() => fixture?.close());

/** An HTTP/2 connection to the edge's HTTPS port, as a browser opens one for `host`. */
async function connectH2(): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`https://127.0.0.1:${relay.httpsPort}`, {
    servername: host,
    rejectUnauthorized: false,
  });
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  return session;
}

interface H2Answer {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on `session`; the body, if any, is sent whole. */
function request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":authority": host, ...headers }, { endStream: body === undefined });
    let answer: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => {
      answer = headers;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve({ headers: answer, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    if (body !== undefined) stream.end(body);
  });
}

/** Opens an event stream on `session` and resolves with it once its first event has arrived. */
function openEventStream(
  session: http2.ClientHttp2Session,
  path: string,
): Promise<{ stream: http2.ClientHttp2Stream; received: () => string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":authority": host, ":path": path, accept: "text/event-stream" });
    let text = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("\n\n")) resolve({ stream, received: () => text });
    });
    stream.on("error", reject);
  });
}

test("a visitor speaking HTTP/2 gets the app's answer, and the app gets the request as HTTP/1.1 from any visitor", async () => {
  const session = await connectH2();
  try {
    assert.equal(session.alpnProtocol, "h2");
    const { headers, body } = await request(session, {
      ":method": "GET",
      ":path": "/hello?x=1",
      cookie: ["a=1", "b=2"],
      "x-custom": "yes",
    });
    assert.equal(headers[":status"], 201);
    assert.deepEqual(headers["set-cookie"], ["one=1; Path=/", "two=2; Path=/"]);
    assert.equal(headers.connection, undefined);
    assert.equal(headers["keep-alive"], undefined);
    const seen = JSON.parse(body.toString()) as { url: string; httpVersion: string; rawHeaders: string[] };
    assert.equal(seen.url, "/hello?x=1");
    assert.equal(seen.httpVersion, "1.1");
    const fields = new Map<string, string[]>();
    for (let i = 0; i < seen.rawHeaders.length; i += 2) {
      const name = seen.rawHeaders[i]!.toLowerCase();
      fields.set(name, [...(fields.get(name) ?? []), seen.rawHeaders[i + 1]!]);
    }
    // The Host the browser meant (its :authority), one Cookie line as HTTP/1.1 has it, and no
    // HTTP/2 pseudo-header leaking through as a field.
    assert.deepEqual(fields.get("host"), [host]);
    assert.deepEqual(fields.get("cookie"), ["a=1; b=2"]);
    assert.deepEqual(fields.get("x-custom"), ["yes"]);
    assert.deepEqual(fields.get("x-forwarded-proto"), ["https"]);
    assert.ok(
      [...fields.keys()].every((name) => !name.startsWith(":")),
      `pseudo-headers reached the app: ${[...fields.keys()].join(", ")}`,
    );
    const trace = relay.traces.get("h2app")!;
    await waitFor(() => trace.lines.some((line) => line.includes("/hello?x=1")), "the request in the log");
  } finally {
    session.close();
  }
});

test("more event streams than a browser opens HTTP/1.1 connections share one HTTP/2 connection, and each gets its events", async () => {
  // Browsers open at most six HTTP/1.1 connections per host: a seventh tab of an app holding an
  // event stream open waited for one of the others to close. Over HTTP/2 they are streams of one.
  const session = await connectH2();
  try {
    const opened = await Promise.all(
      Array.from({ length: 10 }, (_, i) => openEventStream(session, `/events/${i}`)),
    );
    for (const [i, { received }] of opened.entries())
      assert.match(received(), new RegExp(`hello /events/${i}\\n`));
    // An ordinary request still gets through beside them.
    const { headers } = await request(session, { ":method": "GET", ":path": "/beside" });
    assert.equal(headers[":status"], 201);
    // One tab closes: its stream ends at the app, the others stay open and keep getting events.
    opened[3]!.stream.close();
    await waitFor(() => !streams.has("/events/3"), "the closed tab's stream to end at the app");
    assert.equal(streams.size, 9);
    const nextEvents = opened
      .filter((_, i) => i !== 3)
      .map(
        ({ stream }) =>
          new Promise<string>((resolve) => stream.once("data", (chunk: string) => resolve(chunk))),
      );
    for (const response of streams.values()) response.write("data: again\n\n");
    assert.deepEqual(await Promise.all(nextEvents), Array(9).fill("data: again\n\n"));
  } finally {
    session.destroy();
    await waitFor(() => streams.size === 0, "the app's streams to end when the visitor leaves");
  }
});

test("an upload over HTTP/2 streams to the app whole, and one the app refuses unread leaves the connection serving", async () => {
  const session = await connectH2();
  try {
    const upload = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < upload.length; i++) upload[i] = (i * 31) % 251;
    const { headers, body } = await request(
      session,
      { ":method": "POST", ":path": "/upload", "content-type": "application/octet-stream" },
      upload,
    );
    assert.equal(headers[":status"], 201);
    const seen = JSON.parse(body.toString()) as { bodyBytes: number; bodySum: number };
    assert.equal(seen.bodyBytes, upload.length);
    assert.equal(
      seen.bodySum,
      upload.reduce((sum, byte) => (sum + byte) % 65_521, 0),
    );
    // The app answers 413 without reading: the rest of the upload is dropped with its stream only.
    const refused = await request(session, { ":method": "POST", ":path": "/refuse-upload" }, upload);
    assert.equal(refused.headers[":status"], 413);
    assert.equal(refused.body.toString(), "too large");
    const again = await request(session, { ":method": "GET", ":path": "/after-refusal" });
    assert.equal(again.headers[":status"], 201);
  } finally {
    session.close();
  }
});

test("a request an HTTP/2 visitor cancels while the relay opens a connection to the app for it never reaches the app", async () => {
  const seen: string[] = [];
  const small = await startEdgeTestRelay({
    db: testDb.db,
    env: httpsEnv(certDir),
    poolLimits: { maxChannels: 2, queueWaitMs: 30_000 },
  });
  const held = new Set<http.ServerResponse>();
  const oneApp = await startLocalApp((req, res) => {
    seen.push(req.url ?? "");
    if (req.url === "/hold") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: held\n\n");
      held.add(res);
      return;
    }
    res.end("ok");
  });
  const client = await startSshTunnel(small, "h2one", oneApp.port);
  const session = http2.connect(`https://127.0.0.1:${small.httpsPort}`, {
    servername: `h2one.${TEST_DOMAIN}`,
    rejectUnauthorized: false,
  });
  try {
    const authority = `h2one.${TEST_DOMAIN}`;
    const hold = session.request({ ":authority": authority, ":path": "/hold" });
    await new Promise((resolve) => hold.once("data", resolve));
    // No idle connection to the app: the relay opens one for this request (an SSH channel, a
    // round trip to the ssh client), and the visitor cancels it meanwhile (both frames at once).
    const cancelled = session.request({ ":authority": authority, ":path": "/cancelled" });
    cancelled.on("error", () => {});
    cancelled.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((resolve) => cancelled.once("close", resolve));
    for (const response of held) response.end();
    const after = await new Promise<string>((resolve, reject) => {
      const next = session.request({ ":authority": authority, ":path": "/next" });
      let body = "";
      next.setEncoding("utf8");
      next.on("data", (chunk: string) => {
        body += chunk;
      });
      next.on("end", () => resolve(body));
      next.on("error", reject);
    });
    assert.equal(after, "ok");
    assert.deepEqual(seen, ["/hold", "/next"]);
  } finally {
    session.destroy();
    await client.stop();
    await small.close();
    await oneApp.close();
  }
});

test("a relay stopping answers the HTTP/2 requests under way and does not wait on a visitor who keeps the connection open", {
  timeout: 60_000,
}, async () => {
  const stopping = await startEdgeTestRelay({ db: testDb.db, env: httpsEnv(certDir), drainTimeoutMs: 1_000 });
  const client = await startSshTunnel(stopping, "h2stop", app.port);
  const session = http2.connect(`https://127.0.0.1:${stopping.httpsPort}`, {
    servername: `h2stop.${TEST_DOMAIN}`,
    rejectUnauthorized: false,
  });
  session.on("error", () => {});
  const authority = `h2stop.${TEST_DOMAIN}`;
  try {
    // An event stream the visitor keeps open, and an answer it never reads.
    const events = session.request({ ":authority": authority, ":path": "/events/stop" });
    events.on("error", () => {});
    await new Promise((resolve) => events.once("data", resolve));
    const unread = session.request({ ":authority": authority, ":path": "/unread" });
    unread.on("error", () => {});
    await new Promise((resolve) => unread.once("response", resolve));
    const sessionClosed = new Promise((resolve) => session.once("close", resolve));
    await stopping.close();
    // The relay cut the connection at the end of its drain, the stream it held at the app included.
    await sessionClosed;
    await waitFor(() => !streams.has("/events/stop"), "the app's stream to end");
  } finally {
    session.destroy();
    await client.stop();
  }
});

test("the relay's own pages reach HTTP/2 visitors too", async () => {
  const session = http2.connect(`https://127.0.0.1:${relay.httpsPort}`, {
    servername: `nobody.${TEST_DOMAIN}`,
    rejectUnauthorized: false,
  });
  try {
    const stream = session.request({ ":authority": `nobody.${TEST_DOMAIN}`, ":path": "/" });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      stream.on("response", (headers) => resolve(headers[":status"]));
      stream.on("error", reject);
    });
    // An unknown name: the relay's page, as over HTTP/1.1.
    const http1 = await getEdgeHttps(relay.httpsPort ?? 0, `nobody.${TEST_DOMAIN}`, "/");
    assert.equal(status, http1.status);
    assert.ok(status !== undefined && status >= 400, `status ${status}`);
  } finally {
    session.close();
  }
});

test("HTTP/2 header lists read as HTTP/1.1 ones: Host from :authority, cookies joined, no pseudo-headers", () => {
  assert.deepEqual(
    http1RawHeaders([
      ":method",
      "GET",
      ":authority",
      "a.example",
      ":path",
      "/",
      "cookie",
      "x=1",
      "accept",
      "*/*",
      "cookie",
      "y=2",
    ]),
    ["host", "a.example", "cookie", "x=1; y=2", "accept", "*/*"],
  );
  // A Host field the client sent itself is kept as it is.
  assert.deepEqual(http1RawHeaders([":authority", "a.example", "host", "a.example"]), ["host", "a.example"]);
});
