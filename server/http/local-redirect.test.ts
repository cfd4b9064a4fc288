import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { setAppHost } from "../../lib/sharing/service.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

// The relay's default domain is localhost (a trial on one computer): "localhost", the Host a name
// set to send Host: localhost gives its app, is then also the relay's own bare domain.
let t: TestRelay;
before(async () => {
  t = await startTestRelay();
});
after(() => t.close());

test("with the default domain (localhost), a redirect built from the Host: localhost Burrow sent is mapped back to the tunnel", async () => {
  // An app that builds its redirects from the Host it gets, as Vite and most frameworks do.
  const app = http.createServer((req, res) => {
    res.writeHead(302, { location: `http://${req.headers.host}/landed?x=1` }).end();
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  after(() => new Promise<void>((resolve) => app.close(() => resolve())));
  const user = await t.createUserWithKey();
  await t.reserve(user, "devhost");
  await setAppHost(t.db, user.id, "devhost", { host: "LOCALHOST" });
  const ssh = await t.startSsh({
    user,
    forwards: [`devhost:80:127.0.0.1:${(app.address() as AddressInfo).port}`],
  });
  assert.equal(ssh.state, "live", ssh.stderr());

  const res = await t.fetchTunnel("devhost", "/sign-in");
  assert.equal(res.status, 302);
  // The visitor's own Host (here without a port) and scheme: the address they came to.
  assert.equal(res.headers.location, "http://devhost.localhost/landed?x=1");
});
