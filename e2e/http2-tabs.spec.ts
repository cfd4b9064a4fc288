import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, expect, test } from "@playwright/test";
import { createTestDatabase } from "../lib/testing/db.ts";
import {
  httpsEnv,
  makeTestCertificate,
  startEdgeTestRelay,
  startLocalApp,
  startSshTunnel,
  TEST_DOMAIN,
} from "../server/http/testing.ts";

/** An app page that opens an event stream and shows what arrives on it. */
const PAGE = `<!doctype html><title>live</title><p id="out">waiting</p>
<script>
  const source = new EventSource("/events");
  source.onmessage = (event) => { document.getElementById("out").textContent = event.data; };
</script>`;

const TABS = 8;

test("eight tabs of an app holding an event stream open all get their events over HTTPS", async () => {
  // A browser opens at most six HTTP/1.1 connections to one host: over HTTP/1.1 the seventh tab's
  // event stream (and everything else it asked for) waited for another tab to close. The HTTPS
  // edge speaks HTTP/2, where every tab's stream shares one connection.
  test.setTimeout(90_000);
  const db = await createTestDatabase("e2eh2tabs");
  const certDir = mkdtempSync(join(tmpdir(), "burrow-e2e-h2-"));
  makeTestCertificate(certDir);
  let open = 0;
  const app = await startLocalApp((req, res) => {
    if (req.url === "/events") {
      open += 1;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write(`data: live ${open}\n\n`);
      res.on("close", () => {
        open -= 1;
      });
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(PAGE);
  });
  const relay = await startEdgeTestRelay({ db: db.db, env: httpsEnv(certDir) });
  const tunnel = await startSshTunnel(relay, "tabs", app.port);
  const browser = await chromium.launch({
    executablePath: process.env.BURROW_CHROMIUM ?? "/usr/bin/chromium",
    // The test's domain resolves nowhere: every name under it goes to the relay on loopback.
    args: [`--host-resolver-rules=MAP *.${TEST_DOMAIN} 127.0.0.1`],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const url = `https://tabs.${TEST_DOMAIN}:${relay.httpsPort}/`;
    const pages = [];
    for (let i = 0; i < TABS; i++) {
      const page = await context.newPage();
      await page.goto(url);
      pages.push(page);
    }
    for (const page of pages) await expect(page.locator("#out")).toHaveText(/^live \d+$/);
    expect(open).toBe(TABS);
  } finally {
    await browser.close();
    await tunnel.stop();
    await relay.close();
    await app.close();
    await db.drop();
    rmSync(certDir, { recursive: true, force: true });
  }
});
