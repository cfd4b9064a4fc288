/**
 * The relay behind a real HAProxy in TCP mode, the way a load balancer (or one sharing port 443 and
 * 22 with other services) sits in front of it: HAProxy passes SSH, HTTP and TLS through untouched
 * and says who the client is in a PROXY header (v2 for SSH and HTTPS, v1 for HTTP), with
 * BURROW_PROXY_PROTOCOL=ssh,http,https and BURROW_TRUSTED_PROXIES naming HAProxy's address.
 *
 * What a user notices: tunnel owners and visitors keep their own addresses (the SSH session, the
 * request log, the app's X-Forwarded-For), HTTPS still ends at the relay, clients that reach the
 * relay directly are served as before, and nobody can be taken for the balancer.
 *
 * HAProxy connects from 127.0.0.1 (the only trusted address); clients use 127.0.0.2 and up. Its
 * health checks run every 300 ms throughout, as a deployment's would: a failing check would mark
 * the relay down and every test through HAProxy would fail.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { makeTestCertificate, readAnswer, type SimpleResponse, unusedPorts } from "../http/testing.ts";
import {
  type EchoedRequest,
  type LocalApp,
  startTestRelay,
  type TestRelay,
  type TestUser,
} from "../testing/harness.ts";

const HAPROXY_MISSING =
  spawnSync("haproxy", ["-v"]).status === 0
    ? false
    : "haproxy is not installed (Debian/Ubuntu: sudo apt-get install haproxy); CI installs it";

let t: TestRelay;
let user: TestUser;
let app: LocalApp;
let scratch: string;
let haproxy: ChildProcess | undefined;
let haproxyLog = "";
/** HAProxy's front ports. */
const front = { ssh: 0, http: 0, https: 0 };

before(async () => {
  if (HAPROXY_MISSING) return;
  scratch = mkdtempSync(join(tmpdir(), "burrow-haproxy-"));
  const cert = makeTestCertificate(scratch);
  t = await startTestRelay({
    BURROW_TRUSTED_PROXIES: "127.0.0.1",
    BURROW_PROXY_PROTOCOL: "ssh,http,https",
    BURROW_HTTPS_PORT: "0",
    BURROW_TLS_CERT: cert.certFile,
    BURROW_TLS_KEY: cert.keyFile,
    BURROW_HTTPS_REDIRECT: "false",
  });
  user = await t.createUserWithKey();
  await t.reserve(user, "site");
  await t.reserve(user, "direct");
  app = await t.startLocalApp();
  // Ports picked free may be taken before HAProxy binds them (other test files run at once): it
  // then exits, and it is started again on other ports.
  for (let attempt = 1; ; attempt++) {
    [front.ssh, front.http, front.https] = (await unusedPorts(3)) as [number, number, number];
    try {
      haproxy = await startHaproxy();
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
});

after(async () => {
  if (haproxy && haproxy.exitCode === null) {
    const exited = new Promise((resolve) => haproxy!.once("exit", resolve));
    haproxy.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000).then(() => haproxy?.kill("SIGKILL"))]);
  }
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function startHaproxy(): Promise<ChildProcess> {
  const backends: [keyof typeof front, number, string][] = [
    ["ssh", t.sshPort, "send-proxy-v2"],
    ["http", t.httpPort, "send-proxy"],
    ["https", t.httpsPort ?? 0, "send-proxy-v2"],
  ];
  const confFile = join(scratch, "haproxy.cfg");
  writeFileSync(
    confFile,
    `global
  maxconn 256
defaults
  mode tcp
  timeout connect 5s
  timeout client 5m
  timeout server 5m
${backends
  .map(
    ([name, port, proxyOption]) => `frontend ${name}_in
  bind 127.0.0.1:${front[name]}
  default_backend ${name}_relay
backend ${name}_relay
  server relay 127.0.0.1:${port} ${proxyOption} check inter 300ms
`,
  )
  .join("")}`,
  );
  const child = spawn("haproxy", ["-db", "-f", confFile], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => {
    haproxyLog += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    haproxyLog += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${haproxyLog.slice(-2000)}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(front.https, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (up) {
      // One port answering while another failed to bind: HAProxy gives up on all of them at once.
      await sleep(200);
      if (child.exitCode === null) return child;
      continue;
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`haproxy did not listen within 10 s: ${haproxyLog}`);
    }
    await sleep(50);
  }
}

/** One request for `<name>.localhost` to `port`, from the given loopback address. */
function visit(
  options: { port: number; from: string; name: string; path: string; tls?: boolean },
  headers: Record<string, string> = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const request = {
      host: "127.0.0.1",
      port: options.port,
      localAddress: options.from,
      path: options.path,
      headers: { host: `${options.name}.localhost`, ...headers },
      agent: false,
    } as const;
    const onResponse = (res: http.IncomingMessage) => readAnswer(res).then(resolve, reject);
    const req = options.tls
      ? https.request(
          { ...request, servername: `${options.name}.localhost`, rejectUnauthorized: false },
          onResponse,
        )
      : http.request(request, onResponse);
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error("request timed out")));
    req.end();
  });
}

function echoed(answer: SimpleResponse): EchoedRequest {
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as EchoedRequest;
}

function loggedRequest(path: string) {
  return t.waitFor(
    () => t.db.requestLog.findFirst({ where: { name: "site", path }, select: { clientIp: true } }),
    `the request log row for ${path}`,
  );
}

test("an ssh client through HAProxy gets its tunnel, and the relay records the client's own address", {
  skip: HAPROXY_MISSING,
}, async () => {
  const ssh = await t.startSsh({
    user,
    forwards: [`site:80:127.0.0.1:${app.port}`],
    extraArgs: ["-b", "127.0.0.2", "-p", String(front.ssh)],
  });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal(ssh.tunnels[0]?.clientIp, "127.0.0.2", "the ssh client's address, not HAProxy's 127.0.0.1");
  const session = await t.waitFor(
    () =>
      t.db.tunnelSession.findFirst({ where: { name: "site", endedAt: null }, select: { clientIp: true } }),
    "the tunnel's session row",
  );
  assert.equal(
    session.clientIp,
    "127.0.0.2",
    "the dashboard's sessions list shows where the tunnel connected from",
  );
});

test("visitors through HAProxy over HTTP (PROXY v1) keep their own address, whatever they claim", {
  skip: HAPROXY_MISSING,
}, async () => {
  const seen = echoed(
    await visit(
      { port: front.http, from: "127.0.0.3", name: "site", path: "/via-http" },
      { "x-forwarded-for": "10.6.6.6" },
    ),
  );
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.3");
  assert.equal(seen.headers["x-forwarded-proto"], "http");
  assert.equal((await loggedRequest("/via-http")).clientIp, "127.0.0.3");
});

test("visitors through HAProxy over HTTPS (TLS passed through, PROXY v2) keep their own address", {
  skip: HAPROXY_MISSING,
}, async () => {
  const seen = echoed(
    await visit({ port: front.https, from: "127.0.0.4", name: "site", path: "/via-https", tls: true }),
  );
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.4");
  assert.equal(seen.headers["x-forwarded-proto"], "https", "TLS still ends at the relay");
  assert.equal(seen.headers["x-forwarded-port"], String(front.https), "the port the visitor connected to");
  assert.equal((await loggedRequest("/via-https")).clientIp, "127.0.0.4");
});

test("clients that reach the relay directly are served as before, without a header", {
  skip: HAPROXY_MISSING,
}, async () => {
  const ssh = await t.startSsh({
    user,
    forwards: [`direct:80:127.0.0.1:${app.port}`],
    extraArgs: ["-b", "127.0.0.5"],
  });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal(ssh.tunnels[0]?.clientIp, "127.0.0.5");
  const seen = echoed(await visit({ port: t.httpPort, from: "127.0.0.6", name: "direct", path: "/direct" }));
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.6");
});

test("a connection from the balancer's address without a PROXY header is dropped, not served as the balancer", {
  skip: HAPROXY_MISSING,
}, async () => {
  // HTTP: closed without an answer (serving it would log every such visitor as 127.0.0.1).
  const answer = await new Promise<string>((resolve) => {
    let text = "";
    const socket = connect({ port: t.httpPort, host: "127.0.0.1", localAddress: "127.0.0.1" }, () =>
      socket.write("GET / HTTP/1.1\r\nHost: site.localhost\r\n\r\n"),
    );
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(text));
  });
  assert.equal(answer, "");

  // SSH: the client gets no SSH server at all.
  const ssh = await t.startSsh({
    user,
    forwards: [`80:127.0.0.1:${app.port}`],
    extraArgs: ["-b", "127.0.0.1", "-o", "ConnectTimeout=10"],
    timeoutMs: 15_000,
  });
  assert.equal(ssh.state, "exited");
  assert.notEqual(ssh.exitCode(), 0);

  // Tunnels through the balancer are untouched.
  const seen = echoed(
    await visit({ port: front.http, from: "127.0.0.7", name: "site", path: "/still-fine" }),
  );
  assert.equal(seen.headers["x-forwarded-for"], "127.0.0.7");
});
