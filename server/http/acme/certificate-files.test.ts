import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { summariseStoredCertificates } from "./certificate-files.ts";
import { storeTestCertificate } from "./testing-certificates.ts";

const scratch = mkdtempSync(join(tmpdir(), "burrow-certfiles-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("the certificates kept: how many, the next to expire, and those expired; none without the directory", async () => {
  const dataDir = join(scratch, "data");
  assert.equal(await summariseStoredCertificates(dataDir), null, "ACME never used here");
  storeTestCertificate(dataDir, "soon", "soon.tunnels.test", 5);
  storeTestCertificate(dataDir, "later", "later.tunnels.test", 60);
  writeFileSync(join(dataDir, "certificates", "damaged.pem"), "not a certificate");

  const today = await summariseStoredCertificates(dataDir);
  assert.equal(today?.count, 2);
  assert.equal(today?.soonest?.host, "soon.tunnels.test");
  assert.deepEqual(today?.expired, []);

  const inTenDays = await summariseStoredCertificates(dataDir, Date.now() + 10 * 24 * 60 * 60 * 1000);
  assert.deepEqual(inTenDays?.expired, ["soon.tunnels.test"]);
});
