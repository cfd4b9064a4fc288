import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { test } from "node:test";
import { http1RawHeaders } from "./http2-visitors.ts";
import { isRequestHeadTooLarge, requestHeadSize } from "./request-head-size.ts";

const LIMITS = { maxBytes: 16 * 1024, maxFields: 1000 };

test("counts the target, names and values, not separators", () => {
  const size = requestHeadSize("/path?q=1", ["Host", "app.example.com", "Accept", "*/*"]);
  assert.deepEqual(size, { bytes: 9 + 4 + 15 + 6 + 3, fields: 2 });
});

test("an HTTP/2 list weighs what its HTTP/1.1 head would: host from :authority, cookies one line", () => {
  const h2 = [
    ":method",
    "GET",
    ":scheme",
    "https",
    ":authority",
    "app.example.com",
    ":path",
    "/",
    "cookie",
    "a=1",
    "cookie",
    "b=2",
    "accept",
    "*/*",
  ];
  const asHttp1 = requestHeadSize("/", http1RawHeaders(h2));
  const sameOverHttp1 = requestHeadSize("/", [
    "host",
    "app.example.com",
    "cookie",
    "a=1; b=2",
    "accept",
    "*/*",
  ]);
  assert.deepEqual(asHttp1, sameOverHttp1);
  assert.deepEqual(asHttp1, { bytes: 1 + 4 + 15 + 6 + 8 + 6 + 3, fields: 3 });
});

test("too large from the limit in bytes on, or past the limit in fields", () => {
  assert.equal(isRequestHeadTooLarge({ bytes: 16_383, fields: 1000 }, LIMITS), false);
  assert.equal(isRequestHeadTooLarge({ bytes: 16_384, fields: 1 }, LIMITS), true);
  assert.equal(isRequestHeadTooLarge({ bytes: 100, fields: 1001 }, LIMITS), true);
});

/** What Node's HTTP/1.1 server with `maxHeaderSize` 16 KiB does with a raw request head. */
async function nodeHttp1Verdict(head: string): Promise<{ status: number; bytes?: number }> {
  let bytes: number | undefined;
  const server = http.createServer({ maxHeaderSize: LIMITS.maxBytes }, (req, res) => {
    bytes = requestHeadSize(req.url ?? "", req.rawHeaders).bytes;
    res.end();
  });
  server.on("clientError", (_error, socket: net.Socket) => socket.end("HTTP/1.1 431 X\r\n\r\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect((server.address() as AddressInfo).port, "127.0.0.1", () =>
        socket.write(head),
      );
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    return { status: Number(answer.slice(9, 12)), bytes };
  } finally {
    server.close();
  }
}

test("agrees with Node's HTTP/1.1 parser at its limit: the last byte that passes and the first refused", async () => {
  // "/" + host "h" + connection "close" + x-big: the value makes the sum 16,383 or 16,384.
  const head = (valueLength: number) =>
    `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${"v".repeat(valueLength)}\r\nConnection: close\r\n\r\n`;
  const fixed = 1 + 4 + 1 + 10 + 5 + 5;
  const passes = await nodeHttp1Verdict(head(16_383 - fixed));
  assert.deepEqual(passes, { status: 200, bytes: 16_383 });
  assert.equal(isRequestHeadTooLarge({ bytes: passes.bytes ?? 0, fields: 3 }, LIMITS), false);
  assert.equal((await nodeHttp1Verdict(head(16_384 - fixed))).status, 431);
  assert.equal(isRequestHeadTooLarge({ bytes: 16_384, fields: 3 }, LIMITS), true);
});
