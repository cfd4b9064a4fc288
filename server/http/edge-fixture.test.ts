/**
 * startEdgeFixture, the setup most edge test files share: what it starts is all stopped by one
 * close(), and by itself when a step fails midway, so a failing setup leaves no database, no
 * certificate and no listening app behind for the next run.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import pg from "pg";
import { createDb } from "../../lib/db.ts";
import { testServerUrl } from "../../lib/testing/db.ts";
import {
  getEdgeHttps,
  httpsEnv,
  type LocalApp,
  makeTestCertificate,
  startEdgeFixture,
  startEdgeTestRelay,
  startLocalApp,
  TEST_DOMAIN,
  unusedPorts,
} from "./testing.ts";

/** A label no other run uses: databases and certificate folders are found by it. */
const uniqueLabel = (prefix: string) => `${prefix}${randomBytes(4).toString("hex")}`;

async function databasesNamed(label: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`burrow_test_${label}_%`],
    );
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

const certificateDirs = (label: string) =>
  readdirSync(tmpdir()).filter((entry) => entry.startsWith(`burrow-edge-${label}-`));

/** A listener on a free port of 127.0.0.1, for a relay to find taken. */
async function takePort(t: TestContext): Promise<number> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  return (blocker.address() as net.AddressInfo).port;
}

/** Whether anything accepts a TCP connection on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("close() stops the tunnels, relay and app, drops the database and removes the certificate; twice is fine", async (t) => {
  const label = uniqueLabel("fixclose");
  const fixture = await startEdgeFixture({
    database: label,
    https: true,
    app: (_req, res) => res.end("the app"),
    tunnels: ["fixed"],
  });
  t.after(() => fixture.close());
  const extra = await fixture.openTunnel("extra");
  // Over HTTPS, checked against the fixture's certificate as a browser trusting it would.
  const answer = await getEdgeHttps(
    fixture.relay.httpsPort ?? 0,
    `fixed.${TEST_DOMAIN}`,
    "/",
    fixture.certificate?.cert,
  );
  assert.deepEqual(answer, { status: 200, body: "the app" });
  assert.deepEqual(await databasesNamed(label), [new URL(fixture.testDb.url).pathname.slice(1)]);
  assert.equal(certificateDirs(label).length, 1);

  await fixture.close();
  assert.notEqual(extra.process.exitCode ?? extra.process.signalCode, null, "the ssh client has exited");
  assert.equal(await accepts(fixture.relay.httpPort), false, "the relay's HTTP port is closed");
  assert.equal(await accepts(fixture.relay.sshPort), false, "the relay's SSH port is closed");
  assert.equal(await accepts(fixture.app.port), false, "the app is closed");
  assert.deepEqual(await databasesNamed(label), []);
  assert.deepEqual(certificateDirs(label), []);
  await fixture.close();
});

test("a setup failing midway rejects with its error and leaves nothing started behind", async () => {
  const label = uniqueLabel("fixfail");
  let app: LocalApp | undefined;
  await assert.rejects(
    startEdgeFixture({
      database: label,
      https: true,
      startApp: async () => {
        app = await startLocalApp((_req, res) => res.end("the app"));
        return app;
      },
      // The relay cannot start: its certificate file is not there.
      relayOptions: { env: { BURROW_TLS_CERT: "/nonexistent/burrow-fixture/cert.pem" } },
    }),
    /cert\.pem/,
  );
  assert.ok(app, "the app had been started");
  assert.equal(await accepts(app.port), false, "the app is closed");
  assert.deepEqual(await databasesNamed(label), []);
  assert.deepEqual(certificateDirs(label), []);
});

test("startEdgeTestRelay: an HTTP port found taken after the HTTPS port was bound leaves neither open", async (t) => {
  // Only a client: nothing is queried before the relay serves a request.
  const db = createDb(testServerUrl());
  t.after(() => db.$disconnect());
  const dir = mkdtempSync(join(tmpdir(), "burrow-edge-relayfail-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  makeTestCertificate(dir);
  const [httpsPort] = await unusedPorts(1);
  const httpPort = await takePort(t);
  await assert.rejects(
    startEdgeTestRelay({
      db,
      env: { ...httpsEnv(dir), BURROW_HTTPS_PORT: String(httpsPort), BURROW_HTTP_PORT: String(httpPort) },
    }),
    /EADDRINUSE/,
  );
  assert.equal(await accepts(httpsPort ?? 0), false, "the HTTPS port it had bound is closed again");
});

test("startEdgeTestRelay: an SSH port found taken leaves the edge's port closed", async (t) => {
  const db = createDb(testServerUrl());
  t.after(() => db.$disconnect());
  const [httpPort] = await unusedPorts(1);
  const sshPort = await takePort(t);
  await assert.rejects(
    startEdgeTestRelay({ db, env: { BURROW_HTTP_PORT: String(httpPort) }, sshPort }),
    /EADDRINUSE/,
  );
  assert.equal(await accepts(httpPort ?? 0), false, "the HTTP port it had bound is closed again");
});
