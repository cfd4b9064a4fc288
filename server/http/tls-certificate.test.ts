import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { LogFields, Logger } from "../../lib/logger.ts";
import {
  makeTestCertificate,
  servedCertificateFingerprint,
  TEST_DOMAIN,
  type TestCertificate,
  waitFor,
} from "./testing.ts";
import { logCertificate, readCertificate, watchCertificate } from "./tls-certificate.ts";

const dir = mkdtempSync(join(tmpdir(), "burrow-tls-reload-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let made = 0;
/** A fresh certificate in its own directory, valid for `days`. */
function makeCertificate(days: number): TestCertificate {
  made += 1;
  const sub = join(dir, `made-${made}`);
  mkdirSync(sub);
  return makeTestCertificate(sub, days);
}

/** Replaces a file the way renewal tools do: write aside, then rename over it. */
function replace(path: string, content: string): void {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
}

function recordingLogger(lines: string[]): Logger {
  const record = (level: string) => (message: string, fields?: LogFields) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger = {
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    child: () => logger,
  };
  return logger;
}

test("a renewed certificate is served without a restart; a broken pair is refused and the old one kept", async () => {
  const files = { cert: join(dir, "fullchain.pem"), key: join(dir, "privkey.pem") };
  const first = makeCertificate(90);
  writeFileSync(files.cert, first.cert);
  writeFileSync(files.key, first.key);
  const pair = await readCertificate(files);
  const server = https.createServer(pair, (_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const lines: string[] = [];
  const stop = watchCertificate({
    server,
    files,
    served: pair.cert,
    logger: recordingLogger(lines),
    domain: TEST_DOMAIN,
    intervalMs: 20,
  });
  /** Writes a pair the way a renewal does (key first) and waits until it is served and logged. */
  const renew = async (pair: ReturnType<typeof makeCertificate>, logged: string, what: string) => {
    replace(files.key, pair.key);
    replace(files.cert, pair.cert);
    await waitFor(async () => (await servedCertificateFingerprint(port)) === pair.fingerprint, what);
    await waitFor(() => lines.some((l) => l.startsWith(logged)), `${what} logged`);
  };
  try {
    assert.equal(await servedCertificateFingerprint(port), first.fingerprint);

    const renewed = makeCertificate(90);
    await renew(renewed, "info TLS certificate reloaded", "the renewed certificate");

    // A certificate whose key has not been written yet: refused, the renewed one still served.
    lines.length = 0;
    const next = makeCertificate(90);
    replace(files.cert, next.cert);
    await waitFor(
      () => lines.some((l) => l.startsWith("error new TLS certificate not loaded")),
      "the refusal",
    );
    assert.equal(await servedCertificateFingerprint(port), renewed.fingerprint);

    // The key arrives: the pair loads. It expires within two weeks, which is a warning.
    await renew(makeCertificate(3), "warn TLS certificate reloaded; it expires soon", "the completed pair");
  } finally {
    stop();
    server.close();
  }
});

test("a certificate that does not cover the tunnels' names is loaded with a warning saying so", () => {
  const { cert } = makeCertificate(90);
  const covered: string[] = [];
  logCertificate(recordingLogger(covered), "TLS certificate loaded", Buffer.from(cert), TEST_DOMAIN);
  assert.deepEqual(
    covered.map((line) => line.split(" ")[0]),
    ["info"],
    "made for *.<domain>: no warning",
  );
  const other: string[] = [];
  logCertificate(recordingLogger(other), "TLS certificate loaded", Buffer.from(cert), "tunnels.example.com");
  assert.match(
    other[0] ?? "",
    /^warn TLS certificate loaded, but it does not cover the tunnels' names \(\*\.tunnels\.example\.com\): browsers will refuse their https addresses/,
  );
});

test("a CA-issued certificate without its chain (cert.pem, not fullchain.pem) is loaded with a warning saying so", () => {
  // A CA and a certificate it issued for *.<domain>, as a real CA's leaf and intermediate.
  const sub = join(dir, "issued");
  mkdirSync(sub);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: sub, stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "30",
    "-subj",
    "/CN=Test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  openssl("req", ...ec, "-subj", `/CN=*.${TEST_DOMAIN}`, "-keyout", "leaf.key", "-out", "leaf.csr");
  openssl(
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-days",
    "30",
    "-out",
    "leaf.pem",
  );
  const leaf = readFileSync(join(sub, "leaf.pem"));
  const chain = Buffer.concat([leaf, readFileSync(join(sub, "ca.pem"))]);

  const alone: string[] = [];
  logCertificate(recordingLogger(alone), "TLS certificate loaded", leaf, TEST_DOMAIN);
  assert.match(
    alone.join("\n"),
    /^warn TLS certificate loaded, but without its chain: .* \(give the full chain: certbot's fullchain\.pem, not cert\.pem\)/m,
  );
  const whole: string[] = [];
  logCertificate(recordingLogger(whole), "TLS certificate loaded", chain, TEST_DOMAIN);
  assert.deepEqual(
    whole.map((line) => line.split(" ")[0]),
    ["info"],
    "with its chain: no warning",
  );
});

test("an expired certificate, or one not valid yet, is logged as an error saying so, not as expiring soon", () => {
  const { cert } = makeCertificate(30);
  const day = 24 * 60 * 60 * 1000;
  const expired: string[] = [];
  logCertificate(
    recordingLogger(expired),
    "TLS certificate loaded",
    Buffer.from(cert),
    TEST_DOMAIN,
    Date.now() + 45 * day,
  );
  assert.equal(expired.length, 1);
  assert.match(
    expired[0] ?? "",
    /^error TLS certificate loaded, but it has expired: browsers refuse every tunnel's https address until it is renewed/,
  );
  const early: string[] = [];
  logCertificate(
    recordingLogger(early),
    "TLS certificate loaded",
    Buffer.from(cert),
    TEST_DOMAIN,
    Date.now() - day,
  );
  assert.match(early[0] ?? "", /^error TLS certificate loaded, but it is not valid yet/);
  const soon: string[] = [];
  logCertificate(
    recordingLogger(soon),
    "TLS certificate loaded",
    Buffer.from(cert),
    TEST_DOMAIN,
    Date.now() + 20 * day,
  );
  assert.match(soon[0] ?? "", /^warn TLS certificate loaded; it expires soon/);
});

test("a certificate in use that nears its expiry, then expires, with no renewal arriving, is logged then and daily", async () => {
  const sub = join(dir, "no-renewal");
  mkdirSync(sub);
  const made = makeTestCertificate(sub, 30);
  const files = { cert: made.certFile, key: made.keyFile };
  const pair = await readCertificate(files);
  const server = https.createServer(pair);
  const lines: string[] = [];
  const day = 24 * 60 * 60 * 1000;
  // The renewal cron broke: the files never change, only the clock moves on.
  let ahead = 0;
  const stop = watchCertificate({
    server,
    files,
    served: pair.cert,
    logger: recordingLogger(lines),
    domain: TEST_DOMAIN,
    intervalMs: 10,
    now: () => Date.now() + ahead,
  });
  const checks = () => new Promise((resolve) => setTimeout(resolve, 150));
  try {
    await checks();
    assert.deepEqual(lines, [], "30 days left: nothing to say");
    ahead = 20 * day;
    await waitFor(() => lines.length > 0, "the warning");
    await checks();
    assert.equal(lines.length, 1, "said once, not at every check");
    assert.match(lines[0] ?? "", /^warn TLS certificate in use; it expires soon: renew it/);
    ahead = 21 * day + 60_000;
    await waitFor(() => lines.length > 1, "the next day's reminder");
    ahead = 31 * day;
    await waitFor(() => lines.length > 2, "the expiry");
    await checks();
    assert.equal(lines.length, 3);
    assert.match(lines[2] ?? "", /^error TLS certificate in use, but it has expired/);
  } finally {
    stop();
  }
});
