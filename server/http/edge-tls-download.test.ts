import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { createTestDatabase, type TestDatabase } from "../../lib/testing/db.ts";
import {
  httpsEnv,
  type LocalApp,
  makeTestCertificate,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
  waitFor,
} from "./testing.ts";

const BODY = Buffer.alloc(8 * 1024 * 1024, 97);

let testDb: TestDatabase;
let app: LocalApp;
let certDir: string;

before(async () => {
  testDb = await createTestDatabase("edgetlsdl");
  certDir = mkdtempSync(join(tmpdir(), "burrow-edge-tls-dl-"));
  makeTestCertificate(certDir);
  // A download as apps send one: a Content-Length, then the body in pieces as the socket takes them.
  app = await startLocalApp((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BODY.length });
    let sent = 0;
    const pump = () => {
      while (sent < BODY.length) {
        const chunk = BODY.subarray(sent, sent + 65536);
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
});

after(async () => {
  await app?.close();
  await testDb?.drop();
  rmSync(certDir, { recursive: true, force: true });
});

test("an HTTPS download that curl reads to its last byte and hangs up on is logged as complete, not as the visitor going away", async () => {
  const relay = await startEdgeTestRelay({ db: testDb.db, env: httpsEnv(certDir) });
  const client = await startSshTunnel(relay, "download", app.port);
  try {
    const host = `download.${TEST_DOMAIN}`;
    const port = relay.httpsPort ?? 0;
    // curl, in a process of its own, closes the moment it has the last byte. The race that logged
    // it as gone is a matter of timing (half the downloads here): a few rounds make it certain.
    const rounds = 12;
    for (let i = 0; i < rounds; i++) {
      const { stdout } = await promisify(execFile)("curl", [
        "-sS",
        "--insecure",
        "--output",
        "/dev/null",
        "--write-out",
        "%{http_code} %{size_download}",
        "--resolve",
        `${host}:${port}:127.0.0.1`,
        `https://${host}:${port}/file`,
      ]);
      assert.equal(stdout, `200 ${BODY.length}`);
    }
    const trace = relay.traces.get("download")!;
    await waitFor(() => trace.lines.length >= rounds, "a line per download");
    assert.deepEqual(
      trace.lines.filter((line) => line.includes("went away")),
      [],
      "every download arrived whole",
    );
  } finally {
    await client.stop();
    await relay.close();
  }
});
