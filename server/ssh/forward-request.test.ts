import assert from "node:assert/strict";
import { test } from "node:test";
import {
  describeBind,
  parseStreamLocalForward,
  parseTcpipForward,
  sameBind,
  TCP_NOT_SUPPORTED,
  typedTcpipForward,
} from "./forward-request.ts";

const domain = "tunnels.example.com";

test("a bare name or name.<domain> on port 80/443 is a named tunnel, bind kept verbatim", () => {
  assert.deepEqual(parseTcpipForward("myapp", 80, domain), {
    kind: "named",
    name: "myapp",
    bind: { type: "tcpip", bindAddr: "myapp", bindPort: 80 },
  });
  assert.deepEqual(parseTcpipForward("MyApp.Tunnels.Example.com", 443, domain), {
    kind: "named",
    name: "myapp",
    bind: { type: "tcpip", bindAddr: "MyApp.Tunnels.Example.com", bindPort: 443 },
  });
  assert.equal(parseTcpipForward("myapp", 0, domain).kind, "named");
});

test("wildcard bind addresses ask for a random name", () => {
  for (const addr of ["", "localhost", "0.0.0.0", "*", "::", "LOCALHOST"]) {
    for (const port of [0, 80, 443]) {
      const parsed = parseTcpipForward(addr, port, domain);
      assert.equal(parsed.kind, "random", `${addr}:${port}`);
      if (parsed.kind === "random")
        assert.deepEqual(parsed.bind, { type: "tcpip", bindAddr: addr, bindPort: port });
    }
  }
});

test("other ports are TCP tunnels, which are refused with a clear message", () => {
  for (const port of [22, 8080, 3000, 5432]) {
    assert.deepEqual(parseTcpipForward("myapp", port, domain), {
      kind: "refused",
      message: TCP_NOT_SUPPORTED,
    });
    assert.deepEqual(parseTcpipForward("", port, domain), { kind: "refused", message: TCP_NOT_SUPPORTED });
  }
  assert.match(TCP_NOT_SUPPORTED, /TCP tunnels are not supported yet/);
});

test("names outside the relay's domain or breaking the name rules are refused with the reason", () => {
  const other = parseTcpipForward("myapp.other.org", 80, domain);
  assert.equal(other.kind, "refused");
  if (other.kind === "refused") assert.match(other.message, /not a tunnel name on this relay/);

  const short = parseTcpipForward("ab", 80, domain);
  assert.equal(short.kind, "refused");
  if (short.kind === "refused") assert.match(short.message, /at least 3/);

  const reserved = parseTcpipForward("admin", 80, domain);
  assert.equal(reserved.kind, "refused");
  if (reserved.kind === "refused") assert.match(reserved.message, /reserved by Burrow/);
});

test("streamlocal socket paths carry the name in the file name", () => {
  const cases: [string, string][] = [
    ["/tmp/myapp.tunnels.example.com.socket", "myapp"],
    ["/tmp/myapp.socket", "myapp"],
    ["/myapp.sock", "myapp"],
    ["myapp.sock", "myapp"],
    ["/var/run/burrow/MyApp.sock", "myapp"],
    ["/tmp/myapp", "myapp"],
  ];
  for (const [path, name] of cases) {
    assert.deepEqual(
      parseStreamLocalForward(path, domain),
      { kind: "named", name, bind: { type: "streamlocal", socketPath: path } },
      path,
    );
  }
  assert.equal(parseStreamLocalForward("/tmp/myapp.localhost.socket", "localhost").kind, "named");
});

test("unusable socket paths are refused", () => {
  for (const path of ["/tmp/", "/tmp/.sock", "/tmp/a.b.sock", "/tmp/x.socket"]) {
    assert.equal(parseStreamLocalForward(path, domain).kind, "refused", path);
  }
});

test("describeBind and sameBind", () => {
  const tcp = { type: "tcpip", bindAddr: "myapp", bindPort: 80 } as const;
  const unix = { type: "streamlocal", socketPath: "/tmp/a.sock" } as const;
  assert.equal(describeBind(tcp), "port 80");
  assert.equal(describeBind(unix), "/tmp/a.sock");
  assert.ok(sameBind(tcp, { ...tcp }));
  assert.ok(!sameBind(tcp, { ...tcp, bindPort: 443 }));
  assert.ok(!sameBind(tcp, unix));
  assert.ok(sameBind(unix, { ...unix }));
});

test("messages quote a forward as typed: the address when one was given, else just the port", () => {
  assert.equal(typedTcpipForward("localhost", 80), "80");
  assert.equal(typedTcpipForward("", 5432), "5432");
  assert.equal(typedTcpipForward("myapp", 80), "myapp:80");
  assert.equal(typedTcpipForward("bad_name", 443), "bad_name:443");
});
