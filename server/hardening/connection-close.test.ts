import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { SshTunnel } from "../ssh/ssh-tunnel.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

/**
 * More requests than the tunnel's pool holds connections (256): before channels were released, the
 * requests after the pool filled up with unreleased channels waited forever.
 */
const REQUESTS = 300;

let t: TestRelay;
before(async () => {
  t = await startTestRelay();
});
after(() => t.close());

/** Answers one request per connection and closes it, as `python3 -m http.server` does (HTTP/1.0). */
function http10App(): net.Server {
  return net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => {
      socket.end("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
    });
  });
}

/** An HTTP/1.1 app that asks for every connection to be closed after its response. */
function connectionCloseApp(): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", connection: "close" });
    res.end("ok");
  });
}

const apps = { "HTTP/1.0": http10App, "Connection: close": connectionCloseApp };

for (const [kind, makeApp] of Object.entries(apps)) {
  test(`an app that closes every connection (${kind}) keeps answering, and every channel is released`, async () => {
    const user = await t.createUserWithKey();
    const name = kind === "HTTP/1.0" ? "closer-http10" : "closer-conn-close";
    await t.reserve(user, name);
    const app = makeApp();
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    try {
      const ssh = await t.startSsh({
        user,
        forwards: [`${name}:80:127.0.0.1:${(app.address() as AddressInfo).port}`],
      });
      assert.equal(ssh.state, "live", ssh.stderr());
      for (let i = 0; i < REQUESTS; i++) {
        const res = await t.fetchTunnel(name, `/r${i}`);
        assert.equal(res.status, 200, `request ${i}: ${res.body}`);
        assert.equal(res.body, "ok");
      }
      const tunnel = t.relay.registry.get(name);
      assert.ok(tunnel instanceof SshTunnel);
      // Each channel ends with its response; none may stay open holding a pool connection.
      await t.waitFor(() => tunnel.openStreams === 0, "every channel to the app to close", 3_000);
      ssh.kill();
    } finally {
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
}
