import assert from "node:assert/strict";
import type http from "node:http";
import http2 from "node:http2";
import { after, before, test } from "node:test";
import tls from "node:tls";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeFixture,
  type EdgeTestRelay,
  holdEventStream,
  startEdgeFixture,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

// The request head limits (request-head-size.ts) over HTTP/1.1 and HTTP/2 on the same HTTPS port:
// the same headers pass or get the same 431 page on both, and over HTTP/2 only that stream ends.

let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
/** Event streams the app holds open, by path. */
const streams = new Map<string, http.ServerResponse>();
const host = `h2heads.${TEST_DOMAIN}`;
/** The limit on a head's bytes: target, names and values, as Node's HTTP/1.1 parser counts them. */
const MAX_BYTES = 16 * 1024;

before(async () => {
  fixture = await startEdgeFixture({
    database: "edgeh2heads",
    https: true,
    app: (req, res) => {
      if (holdEventStream(streams, req, res)) return;
      res.end(
        JSON.stringify({
          pad: req.headers["x-pad"]?.length ?? null,
          cookie: req.headers.cookie ?? null,
          last: req.headers["x-f999"] ?? null,
        }),
      );
    },
    tunnels: ["h2heads"],
  });
  ({ testDb, relay } = fixture);
  // The relay adds its forwarding headers to what the visitor sent: the app must take more than
  // a visitor may send (Node's defaults are the edge's own limits).
  const appServer = fixture.app.server as http.Server & { maxHeaderSize: number };
  appServer.maxHeaderSize = 64 * 1024;
  appServer.maxHeadersCount = 0;
});

after(() => fixture?.close());

/** A visitor's header set, as [name, value] pairs, without Host (`:authority` over HTTP/2). */
type Fields = Array<[string, string]>;

interface Answer {
  status: number | undefined;
  body: string;
  rstCode?: number;
}

/** The request over HTTP/1.1 on the HTTPS port, written by hand so its head has exactly `fields`. */
function requestHttp1(path: string, fields: Fields): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port: relay.httpsPort,
      servername: host,
      ALPNProtocols: ["http/1.1"],
      rejectUnauthorized: false,
    });
    const lines = fields.map(([name, value]) => `${name}: ${value}\r\n`).join("");
    socket.once("secureConnect", () => socket.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\n${lines}\r\n`));
    let received = Buffer.alloc(0);
    const answer = (): Answer | undefined => {
      const text = received.toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n");
      if (headEnd < 0) return undefined;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1]);
      const body = received.subarray(headEnd + 4);
      if (body.length < length) return undefined;
      return { status: Number(text.slice(9, 12)), body: body.subarray(0, length).toString() };
    };
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const done = answer();
      if (done) {
        socket.destroy();
        resolve(done);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer() ?? { status: undefined, body: received.toString() }));
  });
}

function connectH2(): http2.ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${relay.httpsPort}`, {
    servername: host,
    rejectUnauthorized: false,
  });
  session.on("error", () => {});
  return session;
}

/** The request over HTTP/2, each field a field of its own (repeated names, as cookies come). */
function requestHttp2(session: http2.ClientHttp2Session, path: string, fields: Fields): Promise<Answer> {
  const headers: http2.OutgoingHttpHeaders = { ":authority": host, ":path": path };
  for (const [name, value] of fields) {
    const had = headers[name];
    headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [String(had)]), value];
  }
  return new Promise((resolve) => {
    const stream = session.request(headers);
    let status: number | undefined;
    let body = "";
    stream.setEncoding("utf8");
    stream.on("response", (head) => {
      status = head[":status"];
    });
    stream.on("data", (chunk: string) => {
      body += chunk;
    });
    stream.on("error", () => {});
    stream.on("close", () => resolve({ status, body, rstCode: stream.rstCode }));
  });
}

/** Cookies as a browser keeps them: one Cookie line over HTTP/1.1, a field each over HTTP/2. */
const COOKIES = Array.from({ length: 150 }, (_, i) => `c${i}=${"v".repeat(20)}`);

/** A browser's header set whose head weighs `bytes` by HTTP/1.1's count (target and Host included). */
function headsOf(path: string, bytes: number): { http1: Fields; http2: Fields } {
  const cookieLine = COOKIES.join("; ");
  const others =
    path.length + "host".length + host.length + "cookie".length + cookieLine.length + "x-pad".length;
  const pad = "p".repeat(bytes - others);
  return {
    http1: [
      ["cookie", cookieLine],
      ["x-pad", pad],
    ],
    http2: [...COOKIES.map((cookie): [string, string] => ["cookie", cookie]), ["x-pad", pad]],
  };
}

test("a head just under the byte limit reaches the app over HTTP/1.1 and HTTP/2; one byte more gets the same 431 page on both", async () => {
  const session = connectH2();
  const other = connectH2();
  try {
    const events = session.request({ ":authority": host, ":path": "/events/beside" });
    events.setEncoding("utf8");
    await new Promise((resolve) => events.once("data", resolve));

    const over1 = headsOf("/over1", MAX_BYTES);
    const overHttp1 = await requestHttp1("/over1", over1.http1);
    assert.equal(overHttp1.status, 431);
    assert.match(overHttp1.body, /Request headers too large/);
    const overHttp2 = await requestHttp2(session, "/over2", headsOf("/over2", MAX_BYTES).http2);
    assert.equal(overHttp2.status, 431, "an answer, not a reset");
    assert.equal(overHttp2.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    assert.equal(overHttp2.body, overHttp1.body);

    // The stream beside it goes on, and so do new ones, on this connection and another visitor's.
    const next = new Promise<string>((resolve) => events.once("data", resolve));
    streams.get("/events/beside")?.write("data: still here\n\n");
    assert.equal(await next, "data: still here\n\n");
    assert.equal((await requestHttp2(other, "/other", [])).status, 200);

    const under1 = headsOf("/under1", MAX_BYTES - 1);
    const underHttp1 = await requestHttp1("/under1", under1.http1);
    assert.equal(underHttp1.status, 200);
    const underHttp2 = await requestHttp2(session, "/under2", headsOf("/under2", MAX_BYTES - 1).http2);
    assert.equal(underHttp2.status, 200);
    // The app has every byte: the padding whole and the cookies as one line, over both.
    const seen = { pad: under1.http1[1]![1].length, cookie: COOKIES.join("; "), last: null };
    assert.deepEqual(JSON.parse(underHttp1.body), seen);
    assert.deepEqual(JSON.parse(underHttp2.body), seen);

    // As over HTTP/1.1, the refused requests are not in the tunnel's log; those answered are.
    await waitFor(
      async () => (await testDb.db.requestLog.count({ where: { name: "h2heads", path: "/under2" } })) === 1,
      "the answered requests' rows",
    );
    const rows = await testDb.db.requestLog.findMany({
      where: { name: "h2heads", path: { in: ["/over1", "/over2", "/under1", "/under2"] } },
      select: { path: true },
    });
    assert.deepEqual(rows.map((row) => row.path).sort(), ["/under1", "/under2"]);
    events.close();
  } finally {
    session.close();
    other.close();
  }
});

test("1,000 header fields reach the app over both; 1,001 get the 431 page over both, not a cut list", async () => {
  const fields = (count: number): Fields =>
    Array.from({ length: count - 1 }, (_, i): [string, string] => [`x-f${i + 1}`, "1"]);
  const session = connectH2();
  try {
    // Host is a field of its own over HTTP/1.1 and `:authority` becomes it over HTTP/2.
    const all1 = await requestHttp1("/fields", fields(1000));
    assert.equal(all1.status, 200);
    assert.equal((JSON.parse(all1.body) as { last: string | null }).last, "1");
    const all2 = await requestHttp2(session, "/fields", fields(1000));
    assert.equal(all2.status, 200);
    assert.equal((JSON.parse(all2.body) as { last: string | null }).last, "1");

    const more1 = await requestHttp1("/fields", fields(1001));
    const more2 = await requestHttp2(session, "/fields", fields(1001));
    assert.equal(more1.status, 431);
    assert.equal(more2.status, 431);
    assert.match(more1.body, /Request headers too large/);
    assert.equal(more2.body, more1.body);
    // The connection is fine for the next request.
    assert.equal((await requestHttp2(session, "/after", [])).status, 200);
    // A WebSocket handshake (HTTP/1.1 only) is held to the same count.
    const upgrade: Fields = [
      ["connection", "Upgrade"],
      ["upgrade", "websocket"],
      ["sec-websocket-version", "13"],
      ["sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="],
    ];
    const handshake = await requestHttp1("/socket", [...upgrade, ...fields(1001 - upgrade.length)]);
    assert.equal(handshake.status, 431);
    assert.equal(handshake.body, more1.body);
  } finally {
    session.close();
  }
});
