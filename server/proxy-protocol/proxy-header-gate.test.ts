import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { proxyTrust } from "../../lib/forwarding/trusted-proxies.ts";
import type { LogFields, Logger } from "../../lib/logger.ts";
import type { ProxiedPeer } from "./proxy-header.ts";
import { ProxyHeaderGate } from "./proxy-header-gate.ts";

const HEADER = "PROXY TCP4 203.0.113.7 198.51.100.1 51234 443\r\n";
const PAYLOAD = "SSH-2.0-OpenSSH_9.2p1\r\nand then some more bytes";

/** What a listener behind the gate saw of one connection. */
interface Accepted {
  peer: ProxiedPeer | undefined;
  /** Everything the connection carried after the header, read the way ssh2 and http read. */
  bytes: Promise<string>;
  lookedUp: ProxiedPeer | undefined;
}

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

function recordingLogger(): Logger & { warnings: { message: string; fields?: LogFields }[] } {
  const logger: Logger & { warnings: { message: string; fields?: LogFields }[] } = {
    warnings: [],
    info: () => {},
    warn: (message, fields) => {
      logger.warnings.push({ message, fields });
    },
    error: () => {},
    child: () => logger,
  };
  return logger;
}

/** A listener behind a gate that trusts `trusted`; resolves each accepted connection in order. */
async function gatedListener(trusted: string, timeoutMs = 2_000) {
  const logger = recordingLogger();
  const gate = new ProxyHeaderGate({ trusts: proxyTrust([trusted]), logger, listener: "ssh", timeoutMs });
  const accepted: Accepted[] = [];
  const waiters: ((a: Accepted) => void)[] = [];
  const server = createServer((socket: Socket) => {
    gate.accept(socket, (peer) => {
      const bytes = new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (chunk: Buffer) => {
          text += chunk.toString("latin1");
        });
        socket.on("end", () => resolve(text));
      });
      const entry = { peer, bytes, lookedUp: gate.peerOf(socket) };
      const waiter = waiters.shift();
      if (waiter) waiter(entry);
      else accepted.push(entry);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const next = () =>
    new Promise<Accepted>((resolve) => {
      const ready = accepted.shift();
      if (ready) resolve(ready);
      else waiters.push(resolve);
    });
  return { port, gate, logger, next };
}

function dial(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress: from }, () => resolve(socket));
    socket.on("error", reject);
  });
}

/** Resolves when the peer closes the connection, with whatever it sent first. */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    socket.on("close", () => resolve(text));
    socket.on("error", () => {});
  });
}

test("a trusted proxy's header names the client; the bytes after it reach the listener intact", async () => {
  const { port, next } = await gatedListener("127.0.0.1");
  const socket = await dial(port, "127.0.0.1");
  socket.end(HEADER + PAYLOAD);
  const accepted = await next();
  const expected = { address: "203.0.113.7", port: 51234, localPort: 443 };
  assert.deepEqual(accepted.peer, expected);
  assert.deepEqual(accepted.lookedUp, expected, "the peer is found again by the connection's addresses");
  assert.equal(await accepted.bytes, PAYLOAD);
});

test("a header that arrives a few bytes at a time, with the client's bytes right behind it", async () => {
  const { port, next } = await gatedListener("127.0.0.1");
  const socket = await dial(port, "127.0.0.1");
  socket.setNoDelay(true);
  const whole = HEADER + PAYLOAD;
  for (let i = 0; i < whole.length; i += 7) {
    socket.write(whole.slice(i, i + 7));
    await sleep(2);
  }
  socket.end();
  const accepted = await next();
  assert.equal(accepted.peer?.address, "203.0.113.7");
  assert.equal(await accepted.bytes, PAYLOAD);
});

test("connections from anyone else are handed on untouched, header or not", async () => {
  const { port, next } = await gatedListener("127.0.0.1");
  const direct = await dial(port, "127.0.0.2");
  direct.end(PAYLOAD);
  const plain = await next();
  assert.equal(plain.peer, undefined);
  assert.equal(plain.lookedUp, undefined);
  assert.equal(await plain.bytes, PAYLOAD);

  // A client cannot pick its own address by writing a header: it is just the start of its bytes.
  const forger = await dial(port, "127.0.0.2");
  forger.end(HEADER + PAYLOAD);
  const forged = await next();
  assert.equal(forged.peer, undefined);
  assert.equal(await forged.bytes, HEADER + PAYLOAD);
});

test("a trusted peer without a valid header is dropped with a warning, never served as itself", async () => {
  const { port, logger } = await gatedListener("127.0.0.1");
  const socket = await dial(port, "127.0.0.1");
  const ended = closed(socket);
  socket.write(PAYLOAD);
  assert.equal(await ended, "", "closed without an answer");
  assert.equal(logger.warnings.length, 1);
  assert.match(logger.warnings[0]!.message, /no valid PROXY header/);
  assert.deepEqual(logger.warnings[0]!.fields, {
    listener: "ssh",
    proxy: "127.0.0.1",
    reason: "the connection did not start with a PROXY protocol header",
  });
});

test("a trusted peer that sends nothing is dropped after the header timeout", async () => {
  const { port, logger } = await gatedListener("127.0.0.1", 200);
  const socket = await dial(port, "127.0.0.1");
  const ended = closed(socket);
  socket.write("PROXY TCP4 203.0.113.7");
  assert.equal(await ended, "");
  assert.match(String(logger.warnings[0]?.fields?.reason), /no PROXY header within 0.2 s/);
});

test("a health check (v2 LOCAL) is served as the balancer's own connection", async () => {
  const { port, next } = await gatedListener("127.0.0.1");
  const socket = await dial(port, "127.0.0.1");
  const local = Buffer.from([
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0, 0,
  ]);
  socket.end(Buffer.concat([local, Buffer.from(PAYLOAD)]));
  const accepted = await next();
  assert.equal(accepted.peer, undefined);
  assert.equal(await accepted.bytes, PAYLOAD);
});

test("a balancer's TCP health check (connect, then close without a byte) leaves no warning", async () => {
  const { port, logger } = await gatedListener("127.0.0.1");
  for (let i = 0; i < 3; i++) {
    const socket = await dial(port, "127.0.0.1");
    socket.end();
    await closed(socket);
  }
  // A connection that stops in the middle of a header is different: the balancer is misbehaving.
  const cut = await dial(port, "127.0.0.1");
  cut.end("PROXY TCP4 203.0.113.7");
  await closed(cut);
  await sleep(50);
  assert.deepEqual(
    logger.warnings.map((warning) => warning.fields?.reason),
    ["the connection closed in the middle of its PROXY header"],
  );
});

test("destroyWaiting closes connections still waiting for their header, quietly (shutdown)", async () => {
  const { port, gate, logger } = await gatedListener("127.0.0.1", 60_000);
  const socket = await dial(port, "127.0.0.1");
  const ended = closed(socket);
  socket.write("PROXY ");
  await sleep(50);
  gate.destroyWaiting();
  assert.equal(await ended, "");
  await sleep(20);
  assert.deepEqual(logger.warnings, []);
});
