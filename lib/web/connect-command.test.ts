import assert from "node:assert/strict";
import { test } from "node:test";
import {
  burrowPortOn,
  defaultLocalPort,
  helperCommand,
  helperDownloadCommand,
  parseLocalPort,
  sshCommand,
} from "./connect-command.ts";

test("sshCommand includes -p unless the port is 22", () => {
  assert.equal(
    sshCommand({ name: "myapp", sshHost: "relay.example.com", sshPort: 2222 }, 3000),
    "ssh -R myapp:80:localhost:3000 -p 2222 relay.example.com",
  );
  assert.equal(
    sshCommand({ name: "myapp", sshHost: "relay.example.com", sshPort: 22 }, 8080),
    "ssh -R myapp:80:localhost:8080 relay.example.com",
  );
});

test("without a name the commands ask for a random one", () => {
  const target = { name: null, sshHost: "relay.example.com", sshPort: 2222 };
  assert.equal(sshCommand(target, 5173), "ssh -R 80:localhost:5173 -p 2222 relay.example.com");
  assert.equal(helperCommand(target, 5173), "burrow-connect -H relay.example.com 5173");
});

test("parseLocalPort accepts 1..65535 only", () => {
  assert.equal(parseLocalPort("3000"), 3000);
  assert.equal(parseLocalPort(" 80 "), 80);
  for (const bad of ["", "0", "65536", "3e3", "-1", "80a", "123456"])
    assert.equal(parseLocalPort(bad), null, bad);
});

test("helper commands", () => {
  assert.equal(
    helperCommand({ name: "myapp", sshHost: "localhost", sshPort: 2222 }, 3000),
    "burrow-connect 3000 myapp",
  );
  assert.equal(
    helperCommand({ name: "myapp", sshHost: "relay.example.com", sshPort: 22 }, 8080),
    "burrow-connect -H relay.example.com -p 22 8080 myapp",
  );
  assert.equal(
    helperDownloadCommand("http://dash.example:3000/"),
    "curl -fsSL http://dash.example:3000/burrow-connect -o burrow-connect && chmod +x burrow-connect",
  );
});

const PORTS = { dashboard: 3000, http: 8080, ssh: 2222 };

test("the commands start at 8000, never at a port of Burrow itself (3000 is the dashboard's)", () => {
  assert.equal(defaultLocalPort(PORTS), 8000);
  assert.equal(defaultLocalPort({ ...PORTS, dashboard: 8000 }), 8001);
  assert.equal(defaultLocalPort({ dashboard: 8000, http: 8001, https: 8002, ssh: 2222 }), 8003);
});

test("a port of Burrow itself is named only when the relay runs on this computer", () => {
  const ports = { ...PORTS, https: 8443 };
  assert.equal(burrowPortOn("localhost", ports, 3000), "dashboard");
  assert.equal(burrowPortOn("LOCALHOST", ports, 8080), "tunnels");
  assert.equal(burrowPortOn("[::1]", ports, 8443), "tunnels");
  assert.equal(burrowPortOn("dev.localhost", ports, 2222), "ssh");
  assert.equal(burrowPortOn("localhost", ports, 5173), null);
  assert.equal(burrowPortOn("relay.example.com", ports, 8080), null);
  assert.equal(burrowPortOn("localhost.example.com", ports, 8080), null);
  assert.equal(burrowPortOn("127.0.0.1.nip.io", ports, 8080), null, "a DNS name, not an address");
});
