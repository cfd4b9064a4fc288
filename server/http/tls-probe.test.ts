import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { speaksSocks } from "./tls-probe.ts";

async function listening(server: Server | http.Server): Promise<() => Promise<Socket>> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return async () => {
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    return socket;
  };
}

test("a SOCKS5 server's answer to the greeting is told apart from an HTTP app's, an echo's and a hang-up", async () => {
  const servers = {
    // What OpenSSH's SOCKS side of an `-R name:80` answers: version 5, no authentication.
    socks: createServer((socket) => socket.once("data", () => socket.write(Buffer.from([0x05, 0x00])))),
    // A SOCKS5 server that accepts none of the offered methods still is one.
    socksRefusing: createServer((socket) => socket.once("data", () => socket.end(Buffer.from([0x05, 0xff])))),
    http: http.createServer((_req, res) => res.end("ok")),
    echo: createServer((socket) => socket.pipe(socket)),
    hangUp: createServer((socket) => socket.destroy()),
  };
  try {
    const open = Object.fromEntries(
      await Promise.all(
        Object.entries(servers).map(async ([kind, server]) => [kind, await listening(server)]),
      ),
    ) as Record<keyof typeof servers, () => Promise<Socket>>;
    assert.equal(await speaksSocks(open.socks), true);
    assert.equal(await speaksSocks(open.socksRefusing), true);
    assert.equal(await speaksSocks(open.http), false, "an HTTP app answers 400");
    assert.equal(await speaksSocks(open.echo), false, "an echo sends the greeting back");
    assert.equal(await speaksSocks(open.hangUp), false);
    assert.equal(await speaksSocks(() => Promise.reject(new Error("the channel did not open"))), false);
  } finally {
    for (const server of Object.values(servers)) server.close();
  }
});

test("a stream that says nothing is no SOCKS proxy once the wait is over", async () => {
  const silent = createServer(() => {});
  const sockets: Socket[] = [];
  silent.on("connection", (socket) => sockets.push(socket));
  try {
    const open = await listening(silent);
    assert.equal(await speaksSocks(open, 100), false);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
