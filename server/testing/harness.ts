/**
 * Integration-test harness for the relay: a real relay (SSH + HTTP edge) on 127.0.0.1 with ephemeral
 * ports, a fresh migrated database, users and keys made with the real `ssh-keygen`, and the real
 * OpenSSH client. Shared by the SSH, HTTP-edge and dashboard tests.
 *
 *   const t = await startTestRelay();
 *   after(() => t.close());
 *   const user = await t.createUserWithKey();
 *   await t.reserve(user, "myapp");
 *   const app = await t.startLocalApp();
 *   const ssh = await t.startSsh({ user, forwards: [`myapp:80:127.0.0.1:${app.port}`] });
 *   assert.equal(ssh.state, "live");
 *   const res = await t.fetchTunnel("myapp", "/hello");   // JSON echo of what the app saw
 *
 * `close()` kills every ssh process, stops local apps and the relay and drops the database.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createDb, type Db } from "../../lib/db.ts";
import { type Env, loadEnv } from "../../lib/env.ts";
import { createLogger } from "../../lib/logger.ts";
import { parsePublicKey } from "../../lib/ssh-keys/parse.ts";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import { type AccessGateHandle, createAccessGate, keepAccessGateCurrent } from "../access/gate.ts";
import { loadOrCreateHostKey } from "../host-key.ts";
import type { Tunnel } from "../registry.ts";
import { createRelay, type Relay, type RelayDeps } from "../relay.ts";
import { parseStreamLocalForward, parseTcpipForward } from "../ssh/forward-request.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

const execFileAsync = promisify(execFile);

/** Fake dashboard address, so messages that point users there can be asserted. */
export const TEST_DASHBOARD_URL = "http://dashboard.burrow.test";

export interface TestUser {
  id: string;
  email: string;
  keyId: string;
  /** Private key file for `ssh -i`. */
  keyPath: string;
  /** "ssh-ed25519 AAAA…" */
  publicKey: string;
  fingerprint: string;
}

export interface StartSshOptions {
  /** Whose key signs in; a keyPath of null offers no key at all, as on a computer that has none. */
  user: Pick<TestUser, "id"> & { keyPath: string | null };
  /** `-R` specs, e.g. "myapp:80:127.0.0.1:3000", "80:127.0.0.1:3000", "/tmp/myapp.sock:127.0.0.1:3000". */
  forwards: string[];
  /** Keep a session (no -N) with a forced pty (-tt), so the relay's console output reaches stdout. */
  session?: boolean;
  /**
   * Extra ssh arguments. They come first, so their `-o` options win over the harness defaults (ssh
   * keeps the first value it sees), e.g. ["-o", "ExitOnForwardFailure=no"].
   */
  extraArgs?: string[];
  /** A remote command (after the destination); implies no -N. */
  command?: string[];
  /** How long to wait for the tunnels (or an exit), default 10 s. */
  timeoutMs?: number;
  /** Wait for the tunnels to be live (default true); false returns right after spawning. */
  waitForTunnels?: boolean;
}

export interface SshProcess {
  /** "live": every forward is routed; "exited": ssh ended first; "spawned": not waited for. */
  state: "live" | "exited" | "spawned";
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** The tunnels this client got, in -R order (empty unless live). */
  tunnels: Tunnel[];
  stdout(): string;
  stderr(): string;
  /** Exit code (null until exited, or when killed by a signal). */
  exitCode(): number | null;
  /** Settles once ssh has exited and everything it wrote has been read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout matches, or throws with the output so far. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export interface LocalApp {
  port: number;
  /** Requests seen so far. */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

export interface TunnelResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `body` parsed as JSON (what startLocalApp echoes), or undefined. */
  json: EchoedRequest | undefined;
}

/** What startLocalApp answers: the request as the local app saw it. */
export interface EchoedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  bodyLength: number;
}

export interface TestRelayOptions
  extends Partial<
    Pick<
      RelayDeps,
      | "access"
      | "keepalive"
      | "logRetention"
      | "logDeletionCheckMs"
      | "openStreamTimeoutMs"
      | "handshakeTimeoutMs"
      | "poolLimits"
    >
  > {
  /**
   * Route the relay's own database connections through a proxy the test can cut (`databaseProxy`),
   * to simulate an outage. The harness's `db` stays direct.
   */
  proxyDatabase?: boolean;
  /**
   * Put the real access gate in front of tunnels, built and kept current as the relay's main does
   * (on the relay's own database connection); TTLs may be shortened or lengthened for the test.
   */
  accessGate?: {
    cacheTtlMs?: number;
    notifiedCacheTtlMs?: number;
    stateWaitMs?: number;
    linkWaitMs?: number;
  };
  /** Create the test database on this server instead of the shared test server (one the test restarts). */
  databaseServerUrl?: string;
}

export interface TestRelay {
  relay: Relay;
  /** Present with `proxyDatabase: true`. */
  databaseProxy: TcpProxy | undefined;
  /** Present with the `accessGate` option. */
  accessGate: AccessGateHandle | undefined;
  config: Env;
  db: Db;
  databaseUrl: string;
  sshPort: number;
  httpPort: number;
  /** Set when started with BURROW_HTTPS_PORT (and a certificate). */
  httpsPort: number | undefined;
  createUserWithKey(options?: { email?: string; disabled?: boolean }): Promise<TestUser>;
  /** Makes a key pair without registering it (an "unknown key"). */
  createUnregisteredKey(): Promise<Pick<TestUser, "keyPath" | "publicKey" | "fingerprint"> & { id: "" }>;
  reserve(user: Pick<TestUser, "id">, name: string): Promise<{ id: string }>;
  startSsh(options: StartSshOptions): Promise<SshProcess>;
  startLocalApp(): Promise<LocalApp>;
  fetchTunnel(
    name: string,
    path?: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<TunnelResponse>;
  /** Polls until `check` returns a truthy value (bounded), then returns it. */
  waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): Promise<void>;
}

/** A fresh ed25519 key pair made by the real ssh-keygen in a directory of its own under `dir`. */
async function makeKey(dir: string) {
  const keyDir = await mkdtemp(join(dir, "key-"));
  const keyPath = join(keyDir, "id_ed25519");
  await execFileAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test@burrow", "-f", keyPath]);
  const parsed = parsePublicKey(await readFile(`${keyPath}.pub`, "utf8"));
  return { keyPath, parsed };
}

/**
 * A user with one registered key (made in `dir`), for tests that sign in over SSH: the password
 * hash is not a usable one, these users never sign in to the dashboard.
 */
export async function createUserWithKey(
  db: Db,
  dir: string,
  options: { email?: string; disabled?: boolean } = {},
): Promise<TestUser> {
  const { keyPath, parsed } = await makeKey(dir);
  const email = options.email ?? `user-${randomBytes(4).toString("hex")}@burrow.test`;
  const user = await db.user.create({
    data: {
      email,
      passwordHash: "!",
      disabledAt: options.disabled ? new Date() : null,
      sshKeys: {
        create: {
          label: "test key",
          algorithm: parsed.algorithm,
          bits: parsed.bits,
          publicKey: parsed.publicKey,
          fingerprint: parsed.fingerprint,
        },
      },
    },
    select: { id: true, sshKeys: { select: { id: true } } },
  });
  return {
    id: user.id,
    email,
    keyId: user.sshKeys[0]!.id,
    keyPath,
    publicKey: parsed.publicKey,
    fingerprint: parsed.fingerprint,
  };
}

/**
 * Starts a relay for one test file. `overrides` are environment-style settings (strings), applied
 * on top of: 127.0.0.1, SSH and HTTP on port 0, BURROW_DOMAIN=localhost, a temp data dir.
 * `options` passes parts of createRelay's dependencies (e.g. `access`) and test switches.
 */
export async function startTestRelay(
  overrides: Record<string, string> = {},
  options: TestRelayOptions = {},
): Promise<TestRelay> {
  const { proxyDatabase, accessGate: gateOptions, databaseServerUrl, ...deps } = options;
  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => console.error("test harness cleanup:", error));
    }
    cleanups.length = 0;
  };

  try {
    const scratch = await mkdtemp(join(process.env.BURROW_TEST_SCRATCH ?? tmpdir(), "relay-"));
    cleanups.push(() => rm(scratch, { recursive: true, force: true }));
    const database: TestDatabase = await createTestDatabase("relay", databaseServerUrl);
    cleanups.push(() => database.drop());

    let relayDb = database.db;
    let relayDbUrl = database.url;
    let databaseProxy: TcpProxy | undefined;
    if (proxyDatabase) {
      const direct = new URL(database.url);
      databaseProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      const proxy = databaseProxy;
      cleanups.push(() => proxy.close());
      const proxied = new URL(database.url);
      proxied.hostname = "127.0.0.1";
      proxied.port = String(proxy.port);
      relayDbUrl = proxied.toString();
      relayDb = createDb(relayDbUrl, { max: 5, applicationName: "burrow-test-relay" });
      const db = relayDb;
      cleanups.push(() => db.$disconnect());
    }

    const config = loadEnv({
      DATABASE_URL: relayDbUrl,
      BURROW_DOMAIN: "localhost",
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_SSH_PORT: "0",
      BURROW_HTTP_PORT: "0",
      BURROW_DATA_DIR: join(scratch, "data"),
      BURROW_DASHBOARD_URL: TEST_DASHBOARD_URL,
      ...overrides,
    });
    const hostKey = await loadOrCreateHostKey(config.BURROW_DATA_DIR);
    const logger = createLogger({ silent: !process.env.BURROW_TEST_VERBOSE });
    const accessGate = gateOptions
      ? createAccessGate({
          db: relayDb,
          config,
          logger,
          secret: randomBytes(32).toString("hex"),
          ...gateOptions,
        })
      : undefined;
    if (accessGate) cleanups.push(() => accessGate.close());
    const relay = createRelay({
      db: relayDb,
      config,
      hostKey: hostKey.privateKey,
      logger,
      ...(accessGate ? { access: accessGate } : {}),
      ...deps,
    });
    if (accessGate) keepAccessGateCurrent(relay, accessGate);
    cleanups.push(() => relay.close());
    const ports = await relay.listen();
    // The real ports, so URLs printed by the relay (tunnelUrl) match what tests fetch.
    const liveConfig: Env = { ...config, BURROW_SSH_PORT: ports.sshPort, BURROW_HTTP_PORT: ports.httpPort };

    const children = new Set<ChildProcessWithoutNullStreams>();
    cleanups.push(async () => {
      await Promise.all([...children].map((child) => killHard(child)));
    });
    const apps = new Set<LocalApp>();
    cleanups.push(async () => {
      await Promise.all([...apps].map((app) => app.close()));
    });

    const waitFor: TestRelay["waitFor"] = async (check, what, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value) return value as NonNullable<Awaited<typeof value>>;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(25);
      }
    };

    const harness: TestRelay = {
      relay,
      databaseProxy,
      accessGate,
      config: liveConfig,
      db: database.db,
      databaseUrl: database.url,
      sshPort: ports.sshPort,
      httpPort: ports.httpPort,
      httpsPort: ports.httpsPort,

      createUserWithKey: (options = {}) => createUserWithKey(database.db, scratch, options),

      async createUnregisteredKey() {
        const { keyPath, parsed } = await makeKey(scratch);
        return { id: "", keyPath, publicKey: parsed.publicKey, fingerprint: parsed.fingerprint };
      },

      async reserve(user, name) {
        return database.db.reservation.create({ data: { name, userId: user.id }, select: { id: true } });
      },

      async startSsh(options) {
        // Tunnels already up are not this client's (a takeover test reuses a live name). Tracked by
        // identity, not by start time: the wall clock of a loaded VM can step backwards.
        const before = new Set(relay.registry.list());
        const args = [
          ...(options.extraArgs ?? []),
          "-F",
          "/dev/null",
          ...(options.user.keyPath ? ["-i", options.user.keyPath] : ["-o", "IdentityFile=none"]),
          "-o",
          "IdentitiesOnly=yes",
          "-o",
          "IdentityAgent=none",
          "-o",
          "BatchMode=yes",
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "ExitOnForwardFailure=yes",
          "-o",
          "ServerAliveInterval=5",
          "-p",
          String(ports.sshPort),
          ...(options.session ? ["-tt"] : options.command ? [] : ["-N"]),
          ...options.forwards.flatMap((spec) => ["-R", spec]),
          "burrow@127.0.0.1",
          ...(options.command ?? []),
        ];
        const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
        children.add(child);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString("utf8");
        });
        let exitCode: number | null = null;
        let hasExited = false;
        child.on("exit", (code) => {
          exitCode = code;
          hasExited = true;
          children.delete(child);
        });
        // 'close', not 'exit': what ssh wrote last (the relay's reason for a refusal) may still be
        // in the pipe when 'exit' fires, and a test that reads stderr once exited must see it.
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
          child.on("close", (code, signal) => resolve({ code, signal }));
        });

        const expected = options.forwards.map((spec) => expectedName(spec, liveConfig.BURROW_DOMAIN));
        const ownTunnels = (): Tunnel[] | undefined => {
          const mine = relay.registry.list().filter((t) => t.userId === options.user.id && !before.has(t));
          const named = expected.filter((n): n is string => n !== null);
          const randomCount = expected.length - named.length;
          const byName = named.map((n) => mine.find((t) => t.name === n));
          if (byName.some((t) => !t)) return undefined;
          const random = mine.filter((t) => !named.includes(t.name));
          if (random.length < randomCount) return undefined;
          let r = 0;
          return expected.map((n) => (n === null ? random[r++]! : mine.find((t) => t.name === n)!));
        };

        const processInfo: SshProcess = {
          state: "spawned",
          child,
          pid: child.pid ?? -1,
          tunnels: [],
          stdout: () => stdout,
          stderr: () => stderr,
          exitCode: () => exitCode,
          exited,
          async waitForStdout(pattern, timeoutMs = 10_000) {
            await waitFor(
              () => pattern.test(stdout) || hasExited,
              `ssh stdout to match ${pattern}`,
              timeoutMs,
            ).catch(() => {});
            if (!pattern.test(stdout)) {
              throw new Error(`ssh stdout did not match ${pattern}.\nstdout: ${stdout}\nstderr: ${stderr}`);
            }
          },
          kill(signal = "SIGTERM") {
            if (!hasExited) child.kill(signal);
          },
        };
        if (options.waitForTunnels === false) return processInfo;

        await waitFor(
          () => hasExited || ownTunnels() !== undefined,
          "the ssh tunnels",
          options.timeoutMs ?? 10_000,
        ).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`);
        });
        const tunnels = hasExited ? undefined : ownTunnels();
        if (tunnels) {
          processInfo.state = "live";
          processInfo.tunnels = tunnels;
        } else {
          await exited;
          processInfo.state = "exited";
        }
        return processInfo;
      },

      async startLocalApp() {
        const requests: LocalApp["requests"] = [];
        const server = http.createServer((req, res) => {
          let bodyLength = 0;
          req.on("data", (chunk: Buffer) => {
            bodyLength += chunk.length;
          });
          req.on("end", () => {
            requests.push({ method: req.method ?? "", path: req.url ?? "" });
            const echoed: EchoedRequest = {
              method: req.method ?? "",
              path: req.url ?? "",
              headers: req.headers,
              bodyLength,
            };
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify(echoed));
          });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const app: LocalApp = {
          port: (server.address() as AddressInfo).port,
          requests,
          close: () =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        };
        apps.add(app);
        return app;
      },

      fetchTunnel(name, path = "/", init = {}) {
        return new Promise<TunnelResponse>((resolve, reject) => {
          const req = http.request(
            {
              host: "127.0.0.1",
              port: ports.httpPort,
              method: init.method ?? "GET",
              path,
              headers: { ...init.headers, host: `${name}.${liveConfig.BURROW_DOMAIN}` },
              agent: false,
              timeout: 15_000,
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (chunk: Buffer) => chunks.push(chunk));
              res.on("end", () => {
                const body = Buffer.concat(chunks).toString("utf8");
                let json: EchoedRequest | undefined;
                try {
                  json = JSON.parse(body) as EchoedRequest;
                } catch {
                  json = undefined;
                }
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
              });
              res.on("error", reject);
            },
          );
          req.on("timeout", () => req.destroy(new Error("tunnel request timed out")));
          req.on("error", reject);
          req.end(init.body);
        });
      },

      waitFor,
      close: runCleanups,
    };
    return harness;
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

/** The name a -R spec asks for, or null for a random one. */
function expectedName(spec: string, domain: string): string | null {
  if (spec.startsWith("/")) {
    const socketPath = spec.slice(0, spec.indexOf(":"));
    const parsed = parseStreamLocalForward(socketPath, domain);
    return parsed.kind === "named" ? parsed.name : null;
  }
  const parts = spec.split(":");
  // [bind:]port:host:hostport
  const [bindAddr, port] = parts.length >= 4 ? [parts[0]!, Number(parts[1])] : ["", Number(parts[0])];
  const parsed = parseTcpipForward(bindAddr, port, domain);
  return parsed.kind === "named" ? parsed.name : null;
}

/** Ends an ssh process for sure: a SIGSTOPped one needs SIGCONT to die promptly on SIGKILL's cleanup. */
async function killHard(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGCONT");
  child.kill("SIGKILL");
  await Promise.race([gone, sleep(2_000)]);
}
