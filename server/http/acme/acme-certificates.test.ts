import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { loadEnv } from "../../../lib/env.ts";
import type { LogFields, Logger } from "../../../lib/logger.ts";
import { createTestDatabase, type TestDatabase } from "../../../lib/testing/db.ts";
import { loadOrCreateHostKey } from "../../host-key.ts";
import { createRelay, type Relay, type RelayPorts } from "../../relay.ts";
import { createUserWithKey } from "../../testing/harness.ts";
import { getEdgeHttps, type LocalApp, startLocalApp, unusedPort, waitFor } from "../testing.ts";
import { storeTestCertificate } from "./testing-certificates.ts";
import { type Pebble, startPebble } from "./testing-pebble.ts";

const DOMAIN = "tunnels.test";

let pebble: Pebble;
let testDb: TestDatabase;
let scratch: string;
/** The relay's plain-HTTP port: where pebble fetches HTTP-01 challenges. */
let challengePort: number;
let app: LocalApp;
let userId: string;
let keyPath: string;

interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  fields: LogFields;
}

/** A logger that keeps its lines, for the test to read. */
function recordingLogger(lines: LogLine[], base: LogFields = {}): Logger {
  const write =
    (level: LogLine["level"]) =>
    (message: string, fields: LogFields = {}) => {
      lines.push({ level, message, fields: { ...base, ...fields } });
    };
  return {
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => recordingLogger(lines, { ...base, ...fields }),
  };
}

before(async () => {
  challengePort = await unusedPort();
  pebble = await startPebble({ httpPort: challengePort });
  testDb = await createTestDatabase("acme");
  scratch = mkdtempSync(join(tmpdir(), "burrow-acme-"));
  app = await startLocalApp((req, res) => res.end(`app saw ${req.headers.host} ${req.url}`));
  const user = await createUserWithKey(testDb.db, scratch, { email: "owner@burrow.test" });
  userId = user.id;
  keyPath = user.keyPath;
});

after(async () => {
  await app?.close();
  await pebble?.close();
  await testDb?.drop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface AcmeRelay {
  relay: Relay;
  ports: RelayPorts & { httpsPort: number };
  logs: LogLine[];
  close(): Promise<void>;
}

/** A relay taking certificates from pebble, its data in `dataDir`. */
async function startAcmeRelay(
  dataDir: string,
  options: {
    httpPort?: number;
    caFile?: string;
    retryAfterFailure?: { firstMs: number; maxMs: number };
    /** The relay's clock for certificates' expiry. */
    now?: () => number;
    /** BURROW_ACME_WEEKLY_LIMIT (default: the setting's). */
    weeklyLimit?: number;
  } = {},
): Promise<AcmeRelay> {
  const config = loadEnv({
    DATABASE_URL: testDb.url,
    BURROW_DOMAIN: DOMAIN,
    BURROW_LISTEN_HOST: "127.0.0.1",
    BURROW_SSH_PORT: "0",
    BURROW_HTTP_PORT: String(options.httpPort ?? challengePort),
    BURROW_HTTPS_PORT: "0",
    BURROW_DATA_DIR: dataDir,
    BURROW_ACME_EMAIL: "ops@example.com",
    BURROW_ACME_DIRECTORY: pebble.directoryUrl,
    BURROW_ACME_CA_FILE: options.caFile ?? pebble.caFile,
    ...(options.weeklyLimit === undefined ? {} : { BURROW_ACME_WEEKLY_LIMIT: String(options.weeklyLimit) }),
  });
  mkdirSync(dataDir, { recursive: true });
  const hostKey = await loadOrCreateHostKey(dataDir);
  const logs: LogLine[] = [];
  const relay = createRelay({
    db: testDb.db,
    config,
    hostKey: hostKey.privateKey,
    logger: recordingLogger(logs),
    acme: { pollMs: 100, retryAfterFailure: options.retryAfterFailure, now: options.now },
  });
  let ports: RelayPorts;
  try {
    ports = await relay.listen();
  } catch (error) {
    await relay.close();
    throw error;
  }
  const { httpsPort } = ports;
  assert.ok(httpsPort);
  return { relay, ports: { ...ports, httpsPort }, logs, close: () => relay.close() };
}

/**
 * The real OpenSSH client with `-R <name>:80:<the app>` (`-R 80:…`, a random name, when `name` is
 * null), once the relay has the tunnel: returns its name and how to stop it.
 */
async function startTunnel(
  relay: AcmeRelay,
  name: string | null,
): Promise<{ name: string; output(): string; stop(): Promise<void> }> {
  const forward = `${name === null ? "" : `${name}:`}80:127.0.0.1:${app.port}`;
  // A session with a forced pty, not -N: what the relay tells the owner reaches stdout.
  const child: ChildProcess = spawn(
    "ssh",
    ["-F", "/dev/null", "-tt", "-i", keyPath, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"].concat(
      ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"],
      ["-o", "ExitOnForwardFailure=yes", "-p", String(relay.ports.sshPort)],
      ["-R", forward, "burrow@127.0.0.1"],
    ),
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const tunnel = () => relay.relay.registry.list().find((t) => name === null || t.name === name);
  await waitFor(() => tunnel() !== undefined || child.exitCode !== null, "the tunnel");
  const started = tunnel();
  assert.ok(started, `ssh: ${stderr}`);
  return {
    name: started.name,
    output: () => stdout,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

interface Handshake {
  /** The certificate served, or undefined when the handshake was refused. */
  cert?: X509Certificate;
  /** Whether it chains to pebble's issuing root and is valid for the name asked for. */
  trusted: boolean;
  error?: string;
}

/** A TLS handshake as a visitor's browser makes it: SNI `servername` (none when undefined). */
function handshake(port: number, servername: string | undefined): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ...(servername === undefined ? {} : { servername }),
      ca: [pebble.issuingRoot],
      rejectUnauthorized: false,
    });
    socket.setTimeout(20_000, () => socket.destroy(new Error("handshake timed out")));
    socket.once("secureConnect", () => {
      const cert = socket.getPeerX509Certificate();
      const trusted =
        socket.authorized && servername !== undefined && cert?.checkHost(servername) !== undefined;
      socket.destroy();
      resolve({ cert, trusted });
    });
    socket.once("error", (error) => resolve({ trusted: false, error: error.message }));
  });
}

/** A visitor's HTTPS request, checked as a browser checks it (pebble's root stands for the web's). */
function visit(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return getEdgeHttps(port, host, path, pebble.issuingRoot);
}

function plainGet(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { host }, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;
const dataDir = () => join(scratch, "data");

test("a reserved name gets a certificate from the ACME server at its first HTTPS visit, and the visit reaches the app", async () => {
  await testDb.db.reservation.create({ data: { name: "myapp", userId } });
  const relay = await startAcmeRelay(dataDir());
  const tunnel = await startTunnel(relay, "myapp");
  try {
    const answer = await visit(relay.ports.httpsPort, `myapp.${DOMAIN}`, "/hello");
    assert.equal(answer.status, 200);
    assert.equal(answer.body, `app saw myapp.${DOMAIN} /hello`);
    const served = await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`);
    assert.ok(served.trusted, "valid for the host and chaining to the ACME server's root");
    assert.equal(pebble.orders(), 1);
    const obtained = relay.logs.filter((line) => line.message === "TLS certificate obtained");
    assert.equal(obtained.length, 1);
    assert.equal(obtained[0]?.fields.host, `myapp.${DOMAIN}`);
    assert.equal(obtained[0]?.fields.expires, new Date(served.cert?.validTo ?? "").toISOString());

    // Kept for the next start, readable by the relay's user only (written just after it is first
    // served: see the renewal test below).
    const storedFile = join(dataDir(), "certificates", "myapp.pem");
    await waitFor(() => existsSync(storedFile), "the certificate's file");
    assert.equal(mode(join(dataDir(), "certificates")), 0o700);
    assert.equal(mode(join(dataDir(), "certificates", "myapp.pem")), 0o600);
    assert.equal(mode(join(dataDir(), "acme-account.pem")), 0o600);
    const stored = readFileSync(join(dataDir(), "certificates", "myapp.pem"), "utf8");
    assert.equal(new X509Certificate(stored).fingerprint256, served.cert?.fingerprint256);

    // A plain-HTTP request for a token nobody is waiting for is a visitor's like any other.
    const stray = await plainGet(relay.ports.httpPort, `myapp.${DOMAIN}`, "/.well-known/acme-challenge/abc");
    assert.equal(stray.status, 308);
  } finally {
    await tunnel.stop();
    await relay.close();
  }
});

test("visitors arriving together for an offline reserved name wait for one order; the bare domain gets one too", async () => {
  await testDb.db.reservation.create({ data: { name: "busy", userId } });
  const relay = await startAcmeRelay(dataDir());
  try {
    const before = pebble.orders();
    const handshakes = await Promise.all(
      Array.from({ length: 4 }, () => handshake(relay.ports.httpsPort, `busy.${DOMAIN}`)),
    );
    for (const served of handshakes) assert.ok(served.trusted, served.error);
    assert.equal(new Set(handshakes.map((served) => served.cert?.fingerprint256)).size, 1);
    assert.equal(pebble.orders(), before + 1);

    assert.ok((await handshake(relay.ports.httpsPort, DOMAIN)).trusted);
    assert.equal(pebble.orders(), before + 2);
    assert.equal(mode(join(dataDir(), "certificates", "_apex.pem")), 0o600);
  } finally {
    await relay.close();
  }
});

test("a random name gets a certificate while its tunnel is online", async () => {
  const relay = await startAcmeRelay(dataDir());
  const tunnel = await startTunnel(relay, null);
  try {
    const answer = await visit(relay.ports.httpsPort, `${tunnel.name}.${DOMAIN}`, "/random");
    assert.equal(answer.body, `app saw ${tunnel.name}.${DOMAIN} /random`);
  } finally {
    await tunnel.stop();
    await relay.close();
  }
});

test("an unknown name, another domain, an IP address or no name at all gets no certificate and no order", async () => {
  const relay = await startAcmeRelay(dataDir());
  try {
    const before = pebble.orders();
    for (const servername of [
      `nobody.${DOMAIN}`,
      `www.${DOMAIN}`,
      "example.com",
      `a.b.${DOMAIN}`,
      undefined,
    ]) {
      const refused = await handshake(relay.ports.httpsPort, servername);
      assert.equal(refused.cert, undefined, `no certificate for ${servername}`);
      assert.ok(refused.error, `refused: ${servername}`);
    }
    assert.equal(pebble.orders(), before);
    assert.deepEqual(
      relay.logs.filter((line) => line.level !== "info"),
      [],
      "scanners do not fill the log",
    );
    assert.throws(() => statSync(join(dataDir(), "certificates", "nobody.pem")));
  } finally {
    await relay.close();
  }
});

test("a relay started again on the same data dir serves the stored certificate without a new order", async () => {
  const stored = new X509Certificate(readFileSync(join(dataDir(), "certificates", "myapp.pem"), "utf8"));
  const before = pebble.orders();
  const relay = await startAcmeRelay(dataDir());
  const tunnel = await startTunnel(relay, "myapp");
  try {
    const served = await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`);
    assert.ok(served.trusted);
    assert.equal(served.cert?.fingerprint256, stored.fingerprint256);
    assert.equal((await visit(relay.ports.httpsPort, `myapp.${DOMAIN}`, "/again")).status, 200);
    assert.equal(pebble.orders(), before);
  } finally {
    await tunnel.stop();
    await relay.close();
  }
});

/**
 * Stores a self-signed certificate for myapp valid 10 more days in a fresh data dir `label`, as an
 * earlier run would have left one; returns the data dir and the certificate.
 */
function storeOldCertificate(label: string): { dir: string; old: X509Certificate } {
  const dir = join(scratch, label);
  storeTestCertificate(dir, "myapp", `myapp.${DOMAIN}`, 10);
  return { dir, old: new X509Certificate(readFileSync(join(dir, "certificates", "myapp.pem"), "utf8")) };
}

test("a stored certificate with less than 30 days left is served, and renewed in the background", async () => {
  const { dir, old } = storeOldCertificate("renewing");
  const before = pebble.orders();
  const relay = await startAcmeRelay(dir);
  try {
    const first = await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`);
    assert.equal(first.cert?.fingerprint256, old.fingerprint256, "the old one, at once");
    await waitFor(
      async () => (await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`)).trusted,
      "the renewed certificate",
    );
    assert.equal(pebble.orders(), before + 1);
    // Stored for the next start: the relay serves a new certificate from memory at once and writes
    // its file right after, so under load the file may lag the first trusted handshake a moment.
    const storedValidity = () =>
      new Date(new X509Certificate(readFileSync(join(dir, "certificates", "myapp.pem"), "utf8")).validTo);
    await waitFor(
      () => storedValidity().getTime() - Date.now() > 30 * 24 * 60 * 60 * 1000,
      "the renewal's file",
    );
  } finally {
    await relay.close();
  }
});

test("a stored certificate that has expired is renewed before the handshake completes", async () => {
  const { dir } = storeOldCertificate("expired");
  const before = pebble.orders();
  // Twenty days on, the ten-day certificate has run out.
  const relay = await startAcmeRelay(dir, { now: () => Date.now() + 20 * 24 * 60 * 60 * 1000 });
  try {
    assert.ok((await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`)).trusted, "the new one, at once");
    assert.equal(pebble.orders(), before + 1);
  } finally {
    await relay.close();
  }
});

test("new certificates stop at BURROW_ACME_WEEKLY_LIMIT, random names' at half of it; renewals go on", async () => {
  await testDb.db.reservation.createMany({
    data: [
      { name: "first", userId },
      { name: "second", userId },
    ],
  });
  // An earlier run ordered one certificate an hour ago, and one eight days ago (outside the week).
  const { dir, old } = storeOldCertificate("budget");
  const hour = 60 * 60 * 1000;
  const budgetFile = join(dir, "certificates", "new-orders.json");
  writeFileSync(budgetFile, JSON.stringify({ orderedAt: [Date.now() - 192 * hour, Date.now() - hour] }));
  const relay = await startAcmeRelay(dir, { weeklyLimit: 2 });
  const tunnel = await startTunnel(relay, null);
  try {
    const before = pebble.orders();
    const overBudget = () => relay.logs.filter((line) => line.message.includes("certificates are used up"));

    // One of two used: random names, which may use one, get none; the owner hears why, once.
    for (let visit = 0; visit < 2; visit++) {
      assert.equal((await handshake(relay.ports.httpsPort, `${tunnel.name}.${DOMAIN}`)).cert, undefined);
    }
    assert.equal(pebble.orders(), before);
    assert.equal(overBudget().length, 1);
    assert.equal(overBudget()[0]?.fields.host, `${tunnel.name}.${DOMAIN}`);
    assert.equal(overBudget()[0]?.fields.setting, "BURROW_ACME_WEEKLY_LIMIT");
    // Its owner hears it in the ssh session, not only the server's log.
    await waitFor(
      () =>
        /no HTTPS certificate: this server's certificates for random names are used up/.test(tunnel.output()),
      "the notice in the ssh session",
    );

    // A reserved name gets the second, and the next reserved name none.
    assert.ok((await handshake(relay.ports.httpsPort, `first.${DOMAIN}`)).trusted);
    assert.equal((await handshake(relay.ports.httpsPort, `second.${DOMAIN}`)).cert, undefined);
    assert.equal(pebble.orders(), before + 1);

    // A renewal is no new certificate: it goes on whatever the count.
    const served = await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`);
    assert.equal(served.cert?.fingerprint256, old.fingerprint256);
    await waitFor(
      async () => (await handshake(relay.ports.httpsPort, `myapp.${DOMAIN}`)).trusted,
      "the renewed certificate",
    );
    assert.equal(pebble.orders(), before + 2);

    // Kept for the next start: the week's two, not the one from before it.
    const kept = JSON.parse(readFileSync(budgetFile, "utf8")) as { orderedAt: number[] };
    assert.equal(kept.orderedAt.length, 2);
    assert.ok(kept.orderedAt.every((time) => time > Date.now() - 7 * 24 * hour));
  } finally {
    await tunnel.stop();
    await relay.close();
  }
});

test("a failed order is logged with the host and the ACME server's reason, and not placed again until the pause is over", async () => {
  await testDb.db.reservation.create({ data: { name: "broken", userId } });
  // Pebble fetches the challenge from a port nothing listens on now: this relay is elsewhere.
  const relay = await startAcmeRelay(join(scratch, "failing"), {
    httpPort: 0,
    retryAfterFailure: { firstMs: 1_500, maxMs: 3_000 },
  });
  const tunnel = await startTunnel(relay, "broken");
  try {
    const before = pebble.orders();
    const failures = () =>
      relay.logs.filter((line) => line.message.startsWith("TLS certificate not obtained"));
    assert.equal((await handshake(relay.ports.httpsPort, `broken.${DOMAIN}`)).cert, undefined);
    assert.equal(pebble.orders(), before + 1);
    assert.equal(failures().length, 1);
    assert.equal(failures()[0]?.level, "warn");
    assert.equal(failures()[0]?.fields.host, `broken.${DOMAIN}`);
    assert.match(String(failures()[0]?.fields.error), /connection refused/);
    assert.doesNotMatch(JSON.stringify(relay.logs), /PRIVATE KEY/);
    // The owner, online, hears why the https address fails and when it is tried again.
    await waitFor(
      () =>
        /broken\.tunnels\.test: no HTTPS certificate yet \(.*connection refused.*\); trying again at \d\d:\d\d UTC/.test(
          tunnel.output(),
        ),
      "the notice in the ssh session",
    );

    // Within the pause: refused at once, no new order, no new line.
    assert.equal((await handshake(relay.ports.httpsPort, `broken.${DOMAIN}`)).cert, undefined);
    assert.equal(pebble.orders(), before + 1);
    assert.equal(failures().length, 1);

    await sleep(1_600);
    assert.equal((await handshake(relay.ports.httpsPort, `broken.${DOMAIN}`)).cert, undefined);
    assert.equal(pebble.orders(), before + 2);
    assert.equal(failures().length, 2);
  } finally {
    await tunnel.stop();
    await relay.close();
  }
});

test("a BURROW_ACME_CA_FILE that cannot be read stops the start with an error naming it", async () => {
  await assert.rejects(
    startAcmeRelay(join(scratch, "no-ca"), { httpPort: 0, caFile: join(scratch, "missing-ca.pem") }),
    /BURROW_ACME_CA_FILE .*missing-ca\.pem cannot be read: no such file/,
  );
});
