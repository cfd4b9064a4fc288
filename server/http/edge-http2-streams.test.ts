import assert from "node:assert/strict";
import type http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import { Duplex } from "node:stream";
import { after, before, test } from "node:test";
import tls from "node:tls";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  holdEventStream,
  startEdgeFixture,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

// How single HTTP/2 streams end on the edge: CONNECT, the end of an answer, trailers, header limits.

let fixture: EdgeFixture;
let relay: EdgeTestRelay;
/** Event streams the app holds open, by path. */
const streams = new Map<string, http.ServerResponse>();
/** What Node printed as warnings in this process (the edge runs here), from the first test on. */
const warnings: string[] = [];
const host = `h2ends.${TEST_DOMAIN}`;

before(async () => {
  process.on("warning", (warning) => warnings.push(warning.message));
  fixture = await startEdgeFixture({
    database: "edgeh2ends",
    https: true,
    app: (req, res) => {
      if (req.url === "/trailers") {
        // Chunked, with a checksum after the body (gRPC's status comes the same way).
        res.writeHead(200, { "content-type": "text/plain", trailer: "X-Checksum" });
        res.write("hello");
        res.addTrailers({ "X-Checksum": "abc123" });
        res.end();
        return;
      }
      if (holdEventStream(streams, req, res)) return;
      if (req.url === "/refuse-upload") {
        res.writeHead(413, { "content-type": "text/plain" });
        res.end("too large");
        return;
      }
      req.resume();
      req.on("end", () => res.end(JSON.stringify({ cookie: req.headers.cookie ?? null })));
    },
    tunnels: ["h2ends"],
  });
  ({ relay } = fixture);
});

after(() => fixture?.close());

function connectH2(): http2.ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${relay.httpsPort}`, {
    servername: host,
    rejectUnauthorized: false,
  });
  session.on("error", () => {});
  return session;
}

interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}
const RST_STREAM = 3;
const END_STREAM = 0x1;

/**
 * An HTTP/2 connection whose frames from the relay are kept, in order: Node's client does not
 * tell how a stream ended (END_STREAM, or RST_STREAM NO_ERROR in its place). The client gets the
 * TLS connection through a stream of its own, which reads each frame's 9-byte header on the way.
 */
function connectTapped(): { session: http2.ClientHttp2Session; frames: Frame[] } {
  const frames: Frame[] = [];
  let pending = Buffer.alloc(0);
  const socket = tls.connect({
    host: "127.0.0.1",
    port: relay.httpsPort,
    servername: host,
    ALPNProtocols: ["h2"],
    rejectUnauthorized: false,
  });
  const tap = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      socket.write(chunk, done);
    },
    final(done) {
      socket.end();
      done();
    },
    destroy(error, done) {
      socket.destroy();
      done(error);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
      const length = pending.readUIntBE(0, 3);
      frames.push({
        type: pending[3]!,
        flags: pending[4]!,
        streamId: pending.readUInt32BE(5) & 0x7fffffff,
        payload: pending.subarray(9, 9 + length),
      });
      pending = pending.subarray(9 + length);
    }
    tap.push(chunk);
  });
  socket.on("end", () => tap.push(null));
  socket.on("error", (error) => tap.destroy(error));
  const session = http2.connect(`https://${host}`, { createConnection: () => tap });
  session.on("error", () => {});
  return { session, frames };
}

interface Answer {
  status: number | undefined;
  body: string;
  trailers: http2.IncomingHttpHeaders | undefined;
  streamId: number | undefined;
  rstCode: number | undefined;
}

/** One request on `session`, to its end (or its reset); the body, if any, is sent whole. */
function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer) {
  return new Promise<Answer>((resolve) => {
    const stream = session.request({ ":authority": host, ...headers }, { endStream: body === undefined });
    let status: number | undefined;
    let text = "";
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.setEncoding("utf8");
    stream.on("response", (headers) => {
      status = headers[":status"];
    });
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("trailers", (fields) => {
      trailers = fields;
    });
    // A visitor cut off with RST_STREAM while still sending sees an error: the answer is still in.
    stream.on("error", () => {});
    const done = () =>
      resolve({ status, body: text, trailers, streamId: stream.id, rstCode: stream.rstCode });
    // The answer's end, or the stream's reset without one.
    stream.on("end", done);
    stream.on("close", done);
    if (body !== undefined) stream.end(body);
  });
}

/** Everything the relay sent before this on the connection has arrived (a PING's answer follows it). */
function flushed(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
}

test("an HTTP/2 CONNECT gets the relay's refusal, its stream is closed, and Node prints no warning", async () => {
  const session = connectH2();
  try {
    // No :path or :scheme: a CONNECT as RFC 9113 §8.5 has it.
    const stream = session.request({ ":method": "CONNECT", ":authority": "example.com:443" });
    stream.on("error", () => {});
    const status = await new Promise<number | undefined>((resolve) =>
      stream.once("response", (headers) => resolve(headers[":status"])),
    );
    assert.equal(status, 501);
    stream.resume();
    // The visitor never ends the tunnel it asked for: the relay closes the refused stream itself.
    await waitFor(() => stream.closed, "the CONNECT stream to close", 5_000);
    await flushed(session);
    // Set on a response Node did not adapt, the page's reason phrase made Node warn on the
    // relay's output (once per process, so the warnings of the whole file are looked at).
    assert.deepEqual(
      warnings.filter((message) => /status message/i.test(message)),
      [],
    );
  } finally {
    session.close();
  }
});

test("an HTTP/2 answer ends with END_STREAM; RST_STREAM NO_ERROR only stops an upload still coming", {
  timeout: 30_000,
}, async () => {
  const { session, frames } = connectTapped();
  /** How the relay ended a stream: "end" (END_STREAM), "reset <code>", or what it sent last. */
  const endOf = (streamId: number | undefined) => {
    const own = frames.filter((frame) => frame.streamId === streamId);
    const reset = own.find((frame) => frame.type === RST_STREAM);
    if (reset) return `reset ${reset.payload.readUInt32BE(0)}`;
    return own.some((frame) => (frame.flags & END_STREAM) !== 0) ? "end" : `open after ${own.length} frames`;
  };
  try {
    // A GET: nobody reads its (empty) body, yet the visitor has sent all of it.
    const get = await request(session, { ":path": "/get" });
    // A small body the relay never reads (an unknown name's page), all of it sent with the request.
    const unread = await request(
      session,
      { ":method": "POST", ":path": "/form", ":authority": `nobody.${TEST_DOMAIN}` },
      Buffer.from("a=1"),
    );
    // 6 MB the app refuses unread: the visitor is still sending when the answer is out.
    const refused = await request(
      session,
      { ":method": "POST", ":path": "/refuse-upload" },
      Buffer.alloc(6 * 1024 * 1024),
    );
    await flushed(session);
    assert.equal(get.status, 200);
    assert.equal(endOf(get.streamId), "end");
    // 404, or 503 when the name's lookup is slow (a loaded machine): a page either way.
    assert.ok(unread.status === 404 || unread.status === 503, `status ${unread.status}`);
    assert.equal(endOf(unread.streamId), "end");
    assert.equal(refused.status, 413);
    assert.equal(refused.body, "too large");
    assert.equal(endOf(refused.streamId), `reset ${http2.constants.NGHTTP2_NO_ERROR}`);
  } finally {
    // Node's client never closes the refused upload's stream (its unsent bytes wait for a window).
    session.destroy();
  }
});

test("trailer fields of the app's chunked answer reach an HTTP/2 visitor, and an HTTP/1.1 one", async () => {
  const session = connectH2();
  try {
    const answer = await request(session, { ":path": "/trailers", te: "trailers" });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "hello");
    assert.equal(answer.trailers?.["x-checksum"], "abc123");
  } finally {
    session.close();
  }
  // The same HTTPS port over HTTP/1.1 (Node's https client offers no ALPN): a chunked trailer section.
  const http1 = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
    https
      .get(
        {
          host: "127.0.0.1",
          port: relay.httpsPort ?? 0,
          path: "/trailers",
          servername: host,
          headers: { host, te: "trailers" },
          rejectUnauthorized: false,
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve({ body, trailers: res.trailers }));
        },
      )
      .on("error", reject);
  });
  assert.equal(http1.body, "hello");
  assert.equal(http1.trailers["x-checksum"], "abc123");
});

test("an HTTP/2 request with more header bytes than HTTP/1.1 takes gets the 431 page, that stream alone", async () => {
  const session = connectH2();
  const other = connectH2();
  try {
    const events = session.request({ ":authority": host, ":path": "/events/beside" });
    events.setEncoding("utf8");
    await new Promise((resolve) => events.once("data", resolve));
    // 20 KiB: HTTP/1.1 visitors get 431 for it (edge-routing.test.ts), and so do these, the same
    // page (edge-http2-headers.test.ts compares the two at the limit).
    const big = await request(session, { ":path": "/big", "x-big": "b".repeat(20 * 1024) });
    assert.equal(big.status, 431);
    assert.match(big.body, /Request headers too large/);
    // The stream beside it goes on, and so do new ones, on this connection and another visitor's.
    const next = new Promise<string>((resolve) => events.once("data", resolve));
    streams.get("/events/beside")?.write("data: still here\n\n");
    assert.equal(await next, "data: still here\n\n");
    assert.equal((await request(session, { ":path": "/after" })).status, 200);
    assert.equal((await request(other, { ":path": "/other" })).status, 200);
    // Many small fields within the size are not refused: 200 cookies, each a field of its own as
    // HTTP/2 allows, reach the app as one Cookie line (Node's default allowed 128 fields).
    const cookies = Array.from({ length: 200 }, (_, i) => `c${i}=${i}`);
    const many = await request(session, { ":path": "/cookies", cookie: cookies });
    assert.equal(many.status, 200);
    assert.equal((JSON.parse(many.body) as { cookie: string }).cookie, cookies.join("; "));
    events.close();
  } finally {
    session.close();
    other.close();
  }
});
