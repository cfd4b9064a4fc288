import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  expect,
  expectFitsPhone,
  reserveName,
  signUp,
  signUpQuietly,
  test,
  unique,
} from "./support/fixtures.ts";
import { loggedRequests, rawVisit } from "./support/hostile-input.ts";
import { generateKey, startLocalApp, startTunnel, type Tunnel } from "./support/ssh.ts";

// Sent raw (a browser would percent-encode them): HTML that would run if rendered as markup, and
// SQL that would break a query built by string concatenation.
const HOSTILE_PATH = "/<script>alert(1)</script>?q=1'OR'1'='1';DROP%20TABLE%20request_logs;--";
const HOSTILE_AGENT = `<img src=x onerror=alert(2)> Robert'); DROP TABLE users;--`;
const HOSTILE_KEY_LABEL = `<img src=x onerror=alert(3)>"key'`;
const HOSTILE_LINK_LABEL = `<b>bold</b><script>alert(4)</script>`;

test("HTML and SQL in paths, user agents and labels are stored verbatim and shown as text", async ({
  page,
  burrow,
}) => {
  test.setTimeout(120_000);
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-hostile-"));
  const key = await generateKey(dir);
  const app = await startLocalApp("hostile input app");
  let tunnel: Tunnel | undefined;
  try {
    await signUp(page);

    // A key label with markup and quotes.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "SSH keys" }).click();
    await page.getByLabel("Public key").fill(key.publicKey);
    await page.getByLabel("Label").fill(HOSTILE_KEY_LABEL);
    await page.getByRole("button", { name: "Add key" }).click();
    await expect(page.getByRole("listitem").filter({ hasText: HOSTILE_KEY_LABEL })).toContainText(
      key.fingerprint,
    );
    await expect(page.locator('img[src="x"]')).toHaveCount(0);

    const name = unique("hostile");
    await reserveName(page, name);
    tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
    await page.goto(`/tunnels/${name}`);
    await expect(page.getByTestId("tunnel-status")).toHaveText("Online", { timeout: 20_000 });

    expect(await rawVisit(burrow.httpPort, `${name}.localhost`, HOSTILE_PATH, HOSTILE_AGENT)).toBe(200);

    // Stored verbatim (parameterised writes: nothing was executed, nothing altered).
    await expect
      .poll(async () => loggedRequests(burrow.databaseUrl, name), { timeout: 20_000 })
      .toContainEqual({ path: HOSTILE_PATH, userAgent: HOSTILE_AGENT });

    // Shown as text in the request log.
    await page.reload();
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const row = log.getByRole("row").filter({ hasText: "<script>alert(1)</script>" });
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expect(row).toContainText(HOSTILE_PATH);
    await expect(row.locator(`[title*="${HOSTILE_AGENT.replaceAll('"', '\\"')}"]`)).toHaveCount(1);
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    await expect(log.locator("script")).toHaveCount(0);

    // A share link label with markup.
    await page.getByRole("link", { name: "Access & sharing" }).click();
    await expect(page.getByRole("heading", { name: `Access to ${name}`, level: 1 })).toBeVisible();
    await page.getByLabel("Label").fill(HOSTILE_LINK_LABEL);
    await page.getByLabel("Expires").selectOption("1d");
    await page.getByRole("button", { name: "Create link" }).click();
    await expect(page.getByText(`Link “${HOSTILE_LINK_LABEL}” created.`)).toBeVisible();
    await page.reload();
    await expect(page.getByText(HOSTILE_LINK_LABEL).first()).toBeVisible();
    await expect(page.locator("main b", { hasText: "bold" })).toHaveCount(0);

    // The overview lists keys and names too.
    await page.goto("/");
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});

test("a 100-character label and a 63-character name wrap: no card or page grows sideways", async ({
  page,
}) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-long-"));
  const key = await generateKey(dir);
  await page.setViewportSize({ width: 1280, height: 800 });
  await signUpQuietly(page);

  // Keys: the label stays inside "Your keys", beside "Add a key".
  const label = "L".repeat(100);
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByLabel("Label").fill(label);
  await page.getByRole("button", { name: "Add key" }).click();
  const shown = page.getByRole("list", { name: "Your SSH keys" }).getByText(label, { exact: true });
  await expect(shown).toBeVisible();
  const card = page.locator("section").filter({ has: page.getByRole("heading", { name: "Your keys" }) });
  const [labelBox, cardBox] = await Promise.all([shown.boundingBox(), card.boundingBox()]);
  expect(labelBox!.x + labelBox!.width).toBeLessThanOrEqual(cardBox!.x + cardBox!.width);
  await expectFitsPhone(page);
  // The duplicate message quotes the label, the delete dialog names it: they wrap too.
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByText(`already registered to your account (as “${label}”)`)).toBeVisible();
  await expectFitsPhone(page);
  await page.setViewportSize({ width: 390, height: 800 });
  await page.getByRole("button", { name: `Delete key ${label}` }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await page.setViewportSize({ width: 1280, height: 800 });

  // Names: the longest valid name on the names page and in the account page's "Delete account".
  const name = unique("long").padEnd(63, "n");
  await reserveName(page, name);
  await expectFitsPhone(page);
  await page.goto("/account");
  await expect(page.getByRole("form", { name: "Delete account" })).toContainText(name);
  await expectFitsPhone(page);
});

test("dashboard addresses with broken or odd %-escapes get a 400 or the not-found page, never a server error", async ({
  page,
}) => {
  await signUpQuietly(page);
  const name = unique("pct");
  await reserveName(page, name);

  // Malformed (a cut-off UTF-8 sequence): said to be the address's fault, as a page and to scripts.
  const broken = await page.request.get("/tunnels/%E0%A4%A");
  expect(broken.status()).toBe(400);
  expect(await broken.text()).toContain("malformed %-escape");
  const api = await page.request.get("/api/tunnels/%E0%A4%A/logs");
  expect(api.status()).toBe(400);
  expect((await api.json()).error.code).toBe("invalid_input");

  // Decodable but no name ("%" itself): the ordinary not-found page, titled as one.
  expect((await page.goto("/tunnels/%25"))?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page).toHaveTitle("Not found · Burrow");
  // A name in capitals is the name (names are lower-case), and the title says it as stored.
  await page.goto(`/tunnels/${name.toUpperCase()}`);
  await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
  await expect(page).toHaveTitle(`${name} · Burrow`);
});
