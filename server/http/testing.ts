/**
 * Test scaffolding for the HTTP edge: a small SSH server (ssh2) that accepts `ssh -R name:80:…` from
 * the real OpenSSH client and registers tunnels exactly as the relay's SSH side does (channels
 * opened with forwardOut), plus the edge in front of it. Used until server/testing/harness.ts covers
 * what these tests need (a relay child process and tunnel counters); not for production use.
 */

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import ssh2 from "ssh2";
import type { Db } from "../../lib/db.ts";
import { type Env, loadEnv } from "../../lib/env.ts";
import { createLogger, type LogFields, type Logger } from "../../lib/logger.ts";
import { generateEd25519KeyPair } from "../../lib/ssh-keys/generate.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { type AccessGateDeps, type AccessGateHandle, createAccessGate } from "../access/gate.ts";
import type { LogWriter } from "../log-writer.ts";
import { type Tunnel, TunnelRegistry } from "../registry.ts";
import type { AccessGate } from "./access.ts";
import { createHttpEdge, type HttpEdge } from "./edge.ts";
import type { OnlineWaitOptions } from "./online-wait.ts";
import type { PoolLimits } from "./tunnel-pools.ts";

export const TEST_DOMAIN = "tunnels.test";

/** What a test tunnel saw: the lines it would print on the client's terminal and its counters. */
export interface TunnelTrace {
  lines: string[];
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Channels opened for visitors so far. */
  channelsOpened: number;
}

export interface EdgeTestRelay {
  httpPort: number;
  /** Set when the relay was started with BURROW_HTTPS_PORT (and a certificate). */
  httpsPort?: number;
  sshPort: number;
  registry: TunnelRegistry;
  edge: HttpEdge;
  config: Env;
  /** Traces by tunnel name (the latest tunnel of that name). */
  traces: Map<string, TunnelTrace>;
  /** Session ids used for tunnels, by name (set with `sessionIds` before the client connects). */
  sessionIds: Map<string, string>;
  /** Reservation ids for tunnels of reserved names, by name (else the tunnel is a random name's). */
  reservationIds: Map<string, string>;
  /**
   * What the edge logged as warnings and errors, oldest first: `<level> <message> <fields as JSON>`
   * (they still go to stderr as well).
   */
  logged: string[];
  close(): Promise<void>;
}

/**
 * Starts an SSH server and the HTTP edge on 127.0.0.1, both on ephemeral ports. Any public key is
 * accepted (the tests' own throwaway key).
 */
export async function startEdgeTestRelay(options: {
  db: Db;
  env?: Record<string, string>;
  logWriter?: LogWriter;
  access?: AccessGate;
  drainTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  certificateCheckMs?: number;
  poolLimits?: PoolLimits;
  replayReadMs?: number;
  keptInFlightMax?: number;
  openProgressMs?: number;
  longResponseMs?: number;
  onlineWaits?: OnlineWaitOptions;
  /** The SSH port (default 0, any free one). */
  sshPort?: number;
}): Promise<EdgeTestRelay> {
  const config = loadEnv({
    BURROW_DOMAIN: TEST_DOMAIN,
    BURROW_LISTEN_HOST: "127.0.0.1",
    BURROW_HTTP_PORT: "0",
    ...options.env,
  });
  const registry = new TunnelRegistry();
  const traces = new Map<string, TunnelTrace>();
  const sessionIds = new Map<string, string>();
  const reservationIds = new Map<string, string>();
  const logged: string[] = [];
  const logger = recordingLogger(logged);
  const edge = createHttpEdge({
    registry,
    db: options.db,
    config,
    logger,
    logWriter: options.logWriter,
    access: options.access,
    drainTimeoutMs: options.drainTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    certificateCheckMs: options.certificateCheckMs,
    poolLimits: options.poolLimits,
    replayReadMs: options.replayReadMs,
    keptInFlightMax: options.keptInFlightMax,
    openProgressMs: options.openProgressMs,
    longResponseMs: options.longResponseMs,
    onlineWaits: options.onlineWaits,
  });
  // A listen that fails midway (the HTTPS port bound, then the HTTP port taken) leaves what it
  // bound open, and the edge's timers running: the caller gets no handle to close them with.
  const { httpPort, httpsPort } = await edge.listen().catch(async (error: unknown) => {
    await edge.close().catch(() => {});
    throw error;
  });

  const hostKey = generateEd25519KeyPair();
  const connections = new Set<ssh2.Connection>();
  const sshServer = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.add(client);
    const mine: Tunnel[] = [];
    client.on("authentication", (ctx) =>
      ctx.method === "publickey" ? ctx.accept() : ctx.reject(["publickey"]),
    );
    client.on("request", (accept, reject, kind, info) => {
      if (kind !== "tcpip-forward") {
        reject?.();
        return;
      }
      const { bindAddr, bindPort } = info as { bindAddr: string; bindPort: number };
      const name = bindAddr.toLowerCase();
      const trace: TunnelTrace = { lines: [], requests: 0, bytesIn: 0, bytesOut: 0, channelsOpened: 0 };
      traces.set(name, trace);
      const tunnel: Tunnel = {
        name,
        sessionId: sessionIds.get(name) ?? `test-session-${name}`,
        userId: "test-user",
        reservationId: reservationIds.get(name) ?? null,
        clientIp: "127.0.0.1",
        startedAt: new Date(),
        target: `port ${bindPort}`,
        openStream: (visitor) =>
          new Promise<Duplex>((resolve, reject) => {
            client.forwardOut(bindAddr, bindPort, visitor.ip, visitor.port, (error, channel) => {
              if (error) reject(error);
              else {
                trace.channelsOpened += 1;
                resolve(channel);
              }
            });
          }),
        notify: (line) => trace.lines.push(line),
        recordRequest: (bytesIn, bytesOut) => {
          trace.requests += 1;
          trace.bytesIn += bytesIn;
          trace.bytesOut += bytesOut;
        },
        close: () => client.end(),
      };
      registry.add(tunnel);
      mine.push(tunnel);
      accept?.(bindPort);
    });
    const cleanup = () => {
      for (const tunnel of mine) registry.remove(tunnel);
      connections.delete(client);
    };
    client.on("close", cleanup);
    client.on("error", cleanup);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      sshServer.once("error", reject);
      sshServer.listen(options.sshPort ?? 0, "127.0.0.1", () => {
        sshServer.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await edge.close().catch(() => {});
    throw error;
  }
  const sshPort = (sshServer.address() as net.AddressInfo).port;

  return {
    httpPort,
    httpsPort,
    sshPort,
    registry,
    edge,
    config,
    traces,
    sessionIds,
    reservationIds,
    logged,
    async close() {
      await edge.close();
      for (const client of connections) client.end();
      await new Promise<void>((resolve) => sshServer.close(() => resolve()));
    },
  };
}

/** A silent logger (info dropped, the rest to stderr) that also keeps warnings and errors in `logged`. */
function recordingLogger(logged: string[], base: LogFields = {}): Logger {
  const stderr = createLogger({ silent: true, base });
  const record = (level: "warn" | "error") => (message: string, fields?: LogFields) => {
    logged.push(`${level} ${message} ${JSON.stringify({ ...base, ...fields })}`);
    stderr[level](message, fields);
  };
  return {
    info: stderr.info,
    warn: record("warn"),
    error: record("error"),
    child: (fields) => recordingLogger(logged, { ...base, ...fields }),
  };
}

let keyDir: string | undefined;

/** A throwaway ed25519 key for the ssh client, made once per test process. */
function clientKey(): string {
  if (!keyDir) {
    keyDir = mkdtempSync(join(tmpdir(), "burrow-edge-key-"));
    const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "id")]);
    if (made.status !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
    const dir = keyDir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(keyDir, "id");
}

export interface SshTunnelClient {
  process: ChildProcess;
  /** Stops the ssh client and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs the real OpenSSH client: `ssh -N -R <name>:80:127.0.0.1:<localPort>`, and waits until the
 * relay has registered the tunnel.
 */
export function startSshTunnel(
  relay: EdgeTestRelay,
  name: string,
  localPort: number,
  /** Where the ssh client connects for the app: an address as -R takes it ("[::1]" for IPv6). */
  localHost = "127.0.0.1",
): Promise<SshTunnelClient> {
  return startSshForward(relay, name, `${name}:80:${localHost}:${localPort}`);
}

/**
 * A real OpenSSH client with `-R <name>:80` and no local address: what OpenSSH makes a SOCKS
 * proxy of (a "dynamic" remote forward), as someone who forgot the app's address types it.
 */
export function startSocksTunnel(relay: EdgeTestRelay, name: string): Promise<SshTunnelClient> {
  return startSshForward(relay, name, `${name}:80`);
}

async function startSshForward(
  relay: EdgeTestRelay,
  name: string,
  forward: string,
): Promise<SshTunnelClient> {
  const child = spawn(
    "ssh",
    [
      "-F",
      "/dev/null",
      "-N",
      "-i",
      clientKey(),
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "LogLevel=ERROR",
      "-o",
      "ExitOnForwardFailure=yes",
      "-p",
      String(relay.sshPort),
      "-R",
      forward,
      "tester@127.0.0.1",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!relay.registry.get(name)) {
    if (child.exitCode !== null) throw new Error(`ssh exited early: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`tunnel ${name} did not register: ${stderr}`);
    }
    await sleep(20);
  }
  return {
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

export interface LocalApp {
  port: number;
  /** TCP connections the app accepted (each one is an SSH channel the relay opened). */
  connections(): number;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * A local app whose connections each answer their first request ("ok <path>") and drop the
 * connection on the next one, as an app closing an idle keep-alive connection just as the relay
 * reuses it would. `seen` gets "<method> <path> <nth request on its connection>" for each request.
 */
export function startDroppingApp(seen: string[]): Promise<LocalApp> {
  const served = new WeakMap<net.Socket, number>();
  return startLocalApp((req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    seen.push(`${req.method} ${req.url} ${count}`);
    if (count > 1) req.socket.destroy();
    else res.end(`ok ${req.url}`);
  });
}

export interface EventStreamApp extends LocalApp {
  /** The event streams open now: each holds one of the tunnel's app connections until it ends. */
  streams: Set<http.ServerResponse>;
}

/**
 * A local app whose /events is an event stream held open (its first event "data: hello", then
 * nothing) and which answers anything else "quick" at once: what takes a tunnel's app connections,
 * and what should still get through.
 */
export async function startEventStreamApp(): Promise<EventStreamApp> {
  const streams = new Set<http.ServerResponse>();
  const app = await startLocalApp((req, res) => {
    if (req.url !== "/events") {
      res.end("quick");
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: hello\n\n");
    streams.add(res);
    res.on("close", () => streams.delete(res));
  });
  return { ...app, streams };
}

/**
 * For an app handler: answers /events/<anything> with an event stream held open (its first event
 * "data: hello <path>", then nothing), kept in `streams` by path until it ends, and returns true;
 * returns false for any other path, for the handler to answer itself.
 */
export function holdEventStream(
  streams: Map<string, http.ServerResponse>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): boolean {
  const path = req.url ?? "";
  if (!path.startsWith("/events/")) return false;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  res.write(`data: hello ${path}\n\n`);
  streams.set(path, res);
  res.on("close", () => streams.delete(path));
  return true;
}

/**
 * An access gate as the relay builds one, with a fixed secret, 24-hour cookies and a silent
 * logger; `overrides` for what a test varies (clock, throttle, waits).
 */
export function createTestAccessGate(
  db: Db,
  overrides: Partial<Omit<AccessGateDeps, "db">> = {},
): AccessGateHandle {
  return createAccessGate({
    db,
    secret: "test-access-secret-0123456789abcdef",
    config: { BURROW_ACCESS_COOKIE_HOURS: 24 },
    logger: createLogger({ silent: true }),
    ...overrides,
  });
}

/** A local app on 127.0.0.1 that counts the connections it accepts. */
export async function startLocalApp(handler: http.RequestListener): Promise<LocalApp> {
  let connections = 0;
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free TCP port on 127.0.0.1 with nothing listening on it (for "nothing on the local port"). */
export async function unusedPort(): Promise<number> {
  const [port] = await unusedPorts(1);
  return port!;
}

/**
 * Several distinct free ports. All are held until the last is found: one at a time, the kernel may
 * hand the port it just got back again (two listeners configured on one port would then share it).
 */
export async function unusedPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  body: string;
  /** The body as received, for binary answers. */
  bytes: Buffer;
}

/** Relay settings serving HTTPS with the certificate makeTestCertificate wrote into `dir`. */
export function httpsEnv(dir: string): Record<string, string> {
  return {
    BURROW_HTTPS_PORT: "0",
    BURROW_TLS_CERT: join(dir, "cert.pem"),
    BURROW_TLS_KEY: join(dir, "key.pem"),
  };
}

/**
 * A GET to the edge's HTTPS port for `host` (as SNI and Host). The certificate is checked against
 * `ca` as a browser checks it when given; the test certificate is not checked otherwise.
 */
export function getEdgeHttps(
  port: number,
  host: string,
  path: string,
  ca?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: "127.0.0.1",
          port,
          path,
          servername: host,
          headers: { host },
          ...(ca === undefined ? { rejectUnauthorized: false } : { ca }),
          setHost: false,
        },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      )
      .on("error", reject);
  });
}

/** One request to the edge with an explicit Host header. */
export function requestEdge(
  relay: Pick<EdgeTestRelay, "httpPort">,
  options: {
    host: string;
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    agent?: http.Agent;
    /** Connect from this loopback address (e.g. 127.0.0.2, a visitor other than 127.0.0.1). */
    localAddress?: string;
    /** A request body, sent with its content-length. */
    body?: string | Buffer;
  },
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: relay.httpPort,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        headers: { host: options.host, ...options.headers },
        agent: options.agent ?? false,
        setHost: false,
        localAddress: options.localAddress,
      },
      (res) => readAnswer(res).then(resolve, reject),
    );
    req.on("error", reject);
    req.setTimeout(15_000, () => req.destroy(new Error("request timed out")));
    if (options.body !== undefined) req.setHeader("content-length", Buffer.byteLength(options.body));
    req.end(options.body);
  });
}

/** Reads a whole response. */
export function readAnswer(res: http.IncomingMessage): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => {
      const bytes = Buffer.concat(chunks);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString("utf8"), bytes });
    });
    res.on("error", reject);
  });
}

/** Sends exact bytes on a fresh connection and returns everything the edge answers until it closes. */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("end", () => {
      socket.destroy();
      resolve(answer);
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got: ${answer.slice(0, 200)}`));
    });
    socket.write(bytes);
  });
}

/** Polls until `check` holds, up to a bound. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A self-signed certificate for *.TEST_DOMAIN: its PEM files and its SHA-256 fingerprint. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  fingerprint: string;
}

/** Writes a fresh self-signed EC certificate, valid `days`, as cert.pem and key.pem in `dir`. */
export function makeTestCertificate(dir: string, days = 30): TestCertificate {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-days",
      String(days),
      "-subj",
      `/CN=*.${TEST_DOMAIN}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]),
    { stdio: "ignore" },
  );
  const cert = readFileSync(certFile, "utf8");
  const key = readFileSync(keyFile, "utf8");
  return { certFile, keyFile, cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
}

/** The SHA-256 fingerprint of the certificate a TLS server on 127.0.0.1:`port` presents. */
export function servedCertificateFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: `any.${TEST_DOMAIN}`,
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "");
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

/** What startEdgeTestRelay takes besides the database. */
export type EdgeRelayOptions = Omit<Parameters<typeof startEdgeTestRelay>[0], "db">;

interface EdgeFixtureBase {
  /** Label of the fresh test database (createTestDatabase). */
  database: string;
  /** Serve HTTPS too, with a fresh self-signed certificate for *.TEST_DOMAIN (see `certDir`). */
  https?: boolean;
  /**
   * The relay's settings; a function when they need the database first (rows the relay must find,
   * an access gate). Its `env` is added to the HTTPS settings when `https` is set.
   */
  relayOptions?: EdgeRelayOptions | ((db: Db) => EdgeRelayOptions | Promise<EdgeRelayOptions>);
  /** Names to open tunnels for, each `ssh -R <name>:80:127.0.0.1:<app port>`, in this order. */
  tunnels?: string[];
}

/** A test database, an app, an edge relay and its tunnels, torn down together by `close()`. */
export interface EdgeFixture<A extends LocalApp = LocalApp> {
  testDb: TestDatabase;
  app: A;
  relay: EdgeTestRelay;
  /** Where cert.pem and key.pem are, when started with `https`. */
  certDir?: string;
  certificate?: TestCertificate;
  /** Another tunnel, to the app unless `port` says otherwise; `close()` stops it before the relay. */
  openTunnel(name: string, port?: number, localHost?: string): Promise<SshTunnelClient>;
  /** Stops tunnels, relay and app, removes the certificate and drops the database. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts what most edge test files share: a test database, an HTTPS certificate if asked, the local
 * app (`app`, a request handler for startLocalApp, or `startApp`), the edge relay and tunnels to
 * the app. `close()` stops what was started in reverse order, and the fixture does the same itself
 * when a step fails midway (so a file's after() has nothing half-started to tear down).
 */
export function startEdgeFixture(
  options: EdgeFixtureBase & { app: http.RequestListener },
): Promise<EdgeFixture<LocalApp>>;
export function startEdgeFixture<A extends LocalApp>(
  options: EdgeFixtureBase & { startApp: () => Promise<A> },
): Promise<EdgeFixture<A>>;
export async function startEdgeFixture(
  options: EdgeFixtureBase & ({ app: http.RequestListener } | { startApp: () => Promise<LocalApp> }),
): Promise<EdgeFixture<LocalApp>> {
  const stops: (() => unknown)[] = [];
  // Every step runs even when one before it throws (a relay that fails to close must not leave its
  // database behind); the first failure is reported.
  const close = async () => {
    const failures: unknown[] = [];
    for (let stop = stops.pop(); stop; stop = stops.pop()) {
      try {
        await stop();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  try {
    const testDb = await createTestDatabase(options.database);
    stops.push(() => testDb.drop());
    let certDir: string | undefined;
    let certificate: TestCertificate | undefined;
    if (options.https) {
      const dir = mkdtempSync(join(tmpdir(), `burrow-edge-${options.database}-`));
      certDir = dir;
      stops.push(() => rmSync(dir, { recursive: true, force: true }));
      certificate = makeTestCertificate(dir);
    }
    const app = "startApp" in options ? await options.startApp() : await startLocalApp(options.app);
    stops.push(() => app.close());
    const given =
      typeof options.relayOptions === "function"
        ? await options.relayOptions(testDb.db)
        : (options.relayOptions ?? {});
    const relay = await startEdgeTestRelay({
      ...given,
      db: testDb.db,
      env: certDir ? { ...httpsEnv(certDir), ...given.env } : given.env,
    });
    stops.push(() => relay.close());
    const openTunnel = async (name: string, port = app.port, localHost?: string) => {
      const tunnel = await startSshTunnel(relay, name, port, localHost);
      stops.push(() => tunnel.stop());
      return tunnel;
    };
    for (const name of options.tunnels ?? []) await openTunnel(name);
    return { testDb, app, relay, certDir, certificate, openTunnel, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
