/**
 * An app that answers in HTTP, but breaks its rules (a control character in a header, a body that
 * does not match its Content-Length), runs on the right port: its owner is told what was wrong,
 * not to start the app or to check the port, as for a port that does not speak HTTP at all.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import {
  type EdgeTestRelay,
  rawExchange,
  requestEdge,
  type SshTunnelClient,
  startEdgeTestRelay,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

/** A download's file name as many apps send it: UTF-8 bytes in the header, after Content-Length. */
const FILE_NAME = 'attachment; filename="Relevé 請求書.pdf"';

/**
 * What the raw app sends back for each path (as bytes, one char each): two broken answers, a port
 * of another protocol, and a valid answer with a UTF-8 file name.
 */
const ANSWERS: Record<string, string> = {
  "/utf8-filename": `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Disposition: ${Buffer.from(FILE_NAME).toString("latin1")}\r\n\r\nok`,
  "/both-lengths":
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "/control-char": "HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok",
  "/ssh-banner": "SSH-2.0-OpenSSH_9.2\r\n",
};

let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: net.Server;
let client: SshTunnelClient;

before(async () => {
  testDb = await createTestDatabase("badanswers");
  relay = await startEdgeTestRelay({ db: testDb.db });
  app = net.createServer((socket) => {
    socket.on("error", () => {});
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const path = /^GET (\S+)/.exec(head)?.[1];
      if (path && head.includes("\r\n\r\n")) socket.end(ANSWERS[path] ?? "", "latin1");
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  client = await startSshTunnel(relay, "broken", (app.address() as net.AddressInfo).port);
});

after(async () => {
  await client?.stop();
  await relay?.close();
  app?.close();
  await testDb?.drop();
});

const notices = () => relay.traces.get("broken")?.lines.filter((line) => line.startsWith("broken: ")) ?? [];

test("a broken answer: the visitor's page and the owner's notice say the answer is not valid HTTP, and why", async () => {
  const res = await requestEdge(relay, { host: `broken.${TEST_DOMAIN}`, path: "/control-char" });
  assert.equal(res.status, 502);
  assert.match(res.body, /answered, but not in valid HTTP/);
  assert.deepEqual(notices(), [
    "broken: your app's answer to GET /control-char is not valid HTTP (Invalid header value char), so " +
      "visitors get an error page. Your app runs and the port is right: look at the headers and body that route sends.",
  ]);
  const other = await requestEdge(relay, { host: `broken.${TEST_DOMAIN}`, path: "/both-lengths" });
  assert.equal(other.status, 502);
  assert.match(other.body, /answered, but not in valid HTTP/);
  assert.ok(
    !notices().some((line) => /nothing answers|does not speak HTTP/.test(line)),
    notices().join("\n"),
  );
  await waitFor(
    async () =>
      (await testDb.db.requestLog.count({ where: { name: "broken", error: "local_bad_response" } })) === 2,
    "both rows as local_bad_response",
  );
});

test("a file name in UTF-8 after Content-Length reaches the visitor as the app's bytes (Node would re-encode it)", async () => {
  const answer = await rawExchange(
    relay.httpPort,
    `GET /utf8-filename HTTP/1.1\r\nHost: broken.${TEST_DOMAIN}\r\nConnection: close\r\n\r\n`,
  );
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  const header = /\r\ncontent-disposition: ([^\r]*)\r\n/i.exec(answer)?.[1];
  assert.equal(Buffer.from(header ?? "", "latin1").toString("utf8"), FILE_NAME);
  assert.match(answer, /\r\n\r\nok$/);
});

test("a port that does not speak HTTP at all is still told to check the port", async () => {
  const res = await requestEdge(relay, { host: `broken.${TEST_DOMAIN}`, path: "/ssh-banner" });
  assert.equal(res.status, 502);
  assert.match(res.body, /does not speak HTTP/);
  assert.ok(
    notices().some((line) => /does not speak HTTP/.test(line)),
    notices().join("\n"),
  );
});
