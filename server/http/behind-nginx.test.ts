/**
 * The relay behind a real nginx that terminates TLS, configured with the file the README gives
 * operators (deploy/nginx-tunnels.conf), and BURROW_TRUSTED_PROXIES naming nginx's address. What a
 * visitor and the tunnel's owner notice: each visitor keeps their own address (request log, the
 * app's X-Forwarded-For, the password throttle), the app knows the visit was HTTPS, and streaming
 * (WebSockets, server-sent events, large uploads) passes the shipped settings.
 *
 * Visitors connect from 127.0.0.2 and 127.0.0.3, nginx from 127.0.0.1: only 127.0.0.1 is trusted,
 * so what a visitor writes in X-Forwarded-For itself is never believed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket, WebSocketServer } from "ws";
import { projectRoot } from "../../lib/project-root.ts";
import { setAccessSettings } from "../../lib/sharing/service.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";
import { makeTestCertificate, readAnswer, type SimpleResponse, unusedPort } from "./testing.ts";

const NGINX_MISSING =
  spawnSync("nginx", ["-v"]).status === 0
    ? false
    : "nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx-light); CI installs it";
const PASSWORD = "open sesame, really";
/** The relay's per-visitor limit on wrong passwords per minute (lib/sharing/throttle.ts via gate.ts). */
const WRONG_PER_VISITOR = 10;

let t: TestRelay;
let scratch: string;
let nginx: ChildProcess | undefined;
let tlsPort: number;
let wss: WebSocketServer;
/** The app holds /events open until this is called. */
let endEvents: () => void = () => {};
let appServer: http.Server;

before(async () => {
  if (NGINX_MISSING) return;
  scratch = mkdtempSync(join(tmpdir(), "burrow-nginx-"));
  t = await startTestRelay({ BURROW_TRUSTED_PROXIES: "127.0.0.1" }, { accessGate: {} });
  const user = await t.createUserWithKey();
  await t.reserve(user, "site");
  await t.reserve(user, "guarded");
  await setAccessSettings(t.db, user.id, "guarded", { mode: "PASSWORD", password: PASSWORD });

  appServer = http.createServer((req, res) => {
    if (req.url === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write("data: first\n\n");
      endEvents = () => res.end("data: last\n\n");
      return;
    }
    if (req.url === "/upload") {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on("end", () => res.end(String(bytes)));
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  wss = new WebSocketServer({ server: appServer });
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(`echo ${String(data)}`)));
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  const appPort = (appServer.address() as { port: number }).port;
  const ssh = await t.startSsh({
    user,
    forwards: [`site:80:127.0.0.1:${appPort}`, `guarded:80:127.0.0.1:${appPort}`],
  });
  assert.equal(ssh.state, "live", ssh.stderr());

  // A port picked free may be taken before nginx binds it (other test files run at once): nginx
  // then exits, and it is started again on other ports.
  for (let attempt = 1; ; attempt++) {
    tlsPort = await unusedPort();
    try {
      nginx = await startNginx(scratch, t.httpPort, tlsPort);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx!.once("exit", resolve));
    nginx.kill("SIGQUIT");
    await Promise.race([exited, sleep(5_000).then(() => nginx?.kill("SIGKILL"))]);
  }
  endEvents();
  wss?.close();
  await t?.close();
  await new Promise((resolve) => (appServer ? appServer.close(resolve) : resolve(undefined)));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** deploy/nginx-tunnels.conf, pointed at this relay, loopback ports and a test certificate. */
function nginxConfig(dir: string, relayPort: number, port: number): string {
  const shipped = readFileSync(join(projectRoot, "deploy", "nginx-tunnels.conf"), "utf8");
  const cert = makeTestCertificate(dir);
  const edits: [RegExp, string][] = [
    [/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${relayPort};`],
    [/ {4}listen 80;\n {4}listen \[::\]:80;\n/, `    listen 127.0.0.1:${port + 1};\n`],
    [/ {4}listen 443 ssl;\n {4}listen \[::\]:443 ssl;\n/, `    listen 127.0.0.1:${port} ssl;\n`],
    [/tunnels\.example\.com \*\.tunnels\.example\.com;/g, "localhost *.localhost;"],
    [/ssl_certificate +\S+;/, `ssl_certificate ${cert.certFile};`],
    [/ssl_certificate_key +\S+;/, `ssl_certificate_key ${cert.keyFile};`],
  ];
  let conf = shipped;
  for (const [pattern, replacement] of edits) {
    assert.match(conf, pattern, `deploy/nginx-tunnels.conf no longer has ${pattern}: update this test`);
    conf = conf.replace(pattern, replacement);
  }
  const runAsRoot = process.getuid?.() === 0 ? "user root;\n" : "";
  return `${runAsRoot}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${conf}
}
`;
}

async function startNginx(dir: string, relayPort: number, port: number): Promise<ChildProcess> {
  const confFile = join(dir, "nginx.conf");
  writeFileSync(confFile, nginxConfig(dir, relayPort, port));
  const child = spawn("nginx", ["-e", join(dir, "error.log"), "-p", dir, "-c", confFile], {
    stdio: "ignore",
  });
  const deadline = Date.now() + 10_000;
  const pidFile = join(dir, "nginx.pid");
  rmSync(pidFile, { force: true });
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`nginx exited: ${readFileSync(join(dir, "error.log"), "utf8").slice(-2000)}`);
    }
    // nginx writes its pid file once every listen socket is bound: before that, one port may
    // answer while it still retries (and then gives up on) another.
    const up =
      existsSync(pidFile) &&
      (await new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.end();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      }));
    if (up) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("nginx did not start listening within 10 s");
    }
    await sleep(50);
  }
}

/** One HTTPS request to nginx for `<name>.localhost`, from the given loopback address. */
function visit(
  name: string,
  from: string,
  options: { path?: string; method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: tlsPort,
        localAddress: from,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        servername: `${name}.localhost`,
        headers: { host: `${name}.localhost:${tlsPort}`, ...options.headers },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => readAnswer(res).then(resolve, reject),
    );
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error("request timed out")));
    req.end(options.body);
  });
}

const basic = (password: string) => ({
  authorization: `Basic ${Buffer.from(`:${password}`).toString("base64")}`,
});

test("each visitor keeps their own address through nginx, and the app knows the visit was HTTPS", {
  skip: NGINX_MISSING,
}, async () => {
  const answer = await visit("site", "127.0.0.2", {
    path: "/who",
    headers: { "x-forwarded-for": "10.6.6.6", "user-agent": "behind-nginx-test" },
  });
  assert.equal(answer.status, 200, answer.body);
  const seen = JSON.parse(answer.body) as { headers: http.IncomingHttpHeaders };
  assert.equal(
    seen.headers["x-forwarded-for"],
    "127.0.0.2",
    "the address nginx saw, not the visitor's claim",
  );
  assert.equal(seen.headers["x-forwarded-proto"], "https");
  assert.equal(seen.headers["x-forwarded-port"], String(tlsPort));
  assert.equal(seen.headers.host, `site.localhost:${tlsPort}`);

  const row = await t.waitFor(
    () => t.db.requestLog.findFirst({ where: { name: "site", path: "/who" } }),
    "the request log row",
  );
  assert.equal(row.clientIp, "127.0.0.2");
  assert.equal(row.status, 200);
});

test("a visitor guessing the tunnel password is throttled alone; others still get in", {
  skip: NGINX_MISSING,
}, async () => {
  for (let i = 0; i < WRONG_PER_VISITOR; i += 1) {
    const wrong = await visit("guarded", "127.0.0.2", { path: "/", headers: basic(`guess ${i}`) });
    assert.equal(wrong.status, 401, `guess ${i}`);
  }
  const throttled = await visit("guarded", "127.0.0.2", { path: "/", headers: basic(PASSWORD) });
  assert.equal(throttled.status, 429, "the guesser waits, even with the right password");
  assert.ok(Number(throttled.headers["retry-after"]) > 0);

  // Without the trusted proxy every visitor would be nginx's 127.0.0.1, and throttled too.
  const other = await visit("guarded", "127.0.0.3", { path: "/mine", headers: basic(PASSWORD) });
  assert.equal(other.status, 200, other.body);
  const otherWrong = await visit("guarded", "127.0.0.3", { path: "/", headers: basic("typo") });
  assert.equal(otherWrong.status, 401);
});

test("WebSockets, server-sent events and a large upload pass the shipped nginx settings", {
  skip: NGINX_MISSING,
}, async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${tlsPort}/socket`, {
    headers: { host: `site.localhost:${tlsPort}` },
    rejectUnauthorized: false,
    localAddress: "127.0.0.2",
  });
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.once("open", () => ws.send("hello"));
    ws.once("message", (data) => resolve(String(data)));
    ws.once("error", reject);
  });
  ws.close();
  assert.equal(echoed, "echo hello");

  // The first event arrives while the app still holds the stream open: nothing buffers it.
  const first = await new Promise<string>((resolve, reject) => {
    const req = https.get(
      {
        host: "127.0.0.1",
        port: tlsPort,
        path: "/events",
        servername: "site.localhost",
        headers: { host: `site.localhost:${tlsPort}`, accept: "text/event-stream" },
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        res.setEncoding("utf8");
        res.once("data", (chunk: string) => {
          resolve(chunk);
          res.resume();
        });
      },
    );
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("no event within 10 s: buffered?")));
  });
  endEvents();
  assert.match(first, /data: first/);

  // 24 MiB: nginx's default client_max_body_size would answer 413 above 1 MiB.
  const size = 24 * 1024 * 1024;
  const upload = await visit("site", "127.0.0.2", {
    path: "/upload",
    method: "POST",
    headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    body: Buffer.alloc(size, 7),
  });
  assert.equal(upload.status, 200, upload.body.slice(0, 200));
  assert.equal(upload.body, String(size));
});
