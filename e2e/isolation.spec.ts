import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { addKey, expect, reserveName, signUpQuietly, suiteDb, test, unique } from "./support/fixtures.ts";
import { generateKey } from "./support/ssh.ts";

test("another user's names and keys are not found, by URL or by calling the actions", async ({ browser }) => {
  // Two sign-ups (argon2 on a 2-core machine shared with the dashboard and another worker) and a
  // dozen page loads: CI once saw it reach the default 60 s at its last step, like the other
  // multi-step specs, which have the same budget.
  test.setTimeout(120_000);
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-iso-"));
  const key = await generateKey(dir);

  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signUpQuietly(owner);
  const name = unique();
  await reserveName(owner, name);
  await addKey(owner, key, "owner key");
  const ownerKeyId = await owner.locator('input[type="hidden"][name="keyId"]').first().inputValue();

  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signUpQuietly(other);

  // Direct URL: the same 404 as a name that does not exist, the HTTP status included (what link
  // checkers, curl and monitoring read), on the tunnel's page and on its access page alike.
  const missing = unique("missing");
  for (const path of [
    `/tunnels/${name}`,
    `/tunnels/${missing}`,
    `/tunnels/${name}/access`,
    `/tunnels/${missing}/access`,
  ]) {
    const response = await other.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(other.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(other).toHaveTitle("Not found · Burrow");
    await expect(other.getByText(name)).toHaveCount(0);
  }
  // The owner's own pages are found.
  for (const [path, heading] of [
    [`/tunnels/${name}`, name],
    [`/tunnels/${name}/access`, `Access to ${name}`],
  ] as const) {
    expect((await owner.goto(path))?.status(), path).toBe(200);
    await expect(owner.getByRole("heading", { name: heading, exact: true })).toBeVisible();
  }
  const api = await other.request.get(`/api/tunnels/${name}/logs`);
  expect(api.status()).toBe(404);
  // Nor can they listen for its new requests.
  const events = await other.request.get(`/api/tunnels/${name}/events`);
  expect(events.status()).toBe(404);
  expect(events.headers()["content-type"]).toContain("application/json");

  // The delete-key action called with the owner's key id: not found, key untouched. The form posts
  // its own key id; the request is rewritten on the wire, as a hand-crafted call would be. "Not
  // found" reads as done (a key deleted in another tab is what the user asked for): the dialog
  // closes and nothing is said of the owner's key; the owner still has it (checked at the end).
  const otherKey = await generateKey(dir);
  await addKey(other, otherKey, "mine");
  const ownKeyId = await other.locator('input[type="hidden"][name="keyId"]').first().inputValue();
  await rewriteActionCalls(other, ownKeyId, ownerKeyId);
  await other.getByRole("button", { name: "Delete key mine" }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
  await expect(other.getByRole("dialog")).toHaveCount(0);
  await expect(other.getByText(key.fingerprint)).toHaveCount(0);
  // Their own key stays: the call named another.
  await expect(other.getByText(otherKey.fingerprint, { exact: true })).toBeVisible();
  await other.unrouteAll();

  // The release action called with the owner's name: not found (done, as above), name untouched.
  const ownName = unique();
  await reserveName(other, ownName);
  await rewriteActionCalls(other, ownName, name);
  await other.getByRole("button", { name: `Release ${ownName}` }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Release name" }).click();
  await expect(other.getByRole("dialog")).toHaveCount(0);
  await expect(other.getByRole("link", { name: ownName, exact: true })).toBeVisible();
  await expect(other.getByText(name, { exact: true })).toHaveCount(0);
  await other.unrouteAll();

  // Admin pages do not exist for a regular user, status included.
  for (const path of ["/admin", "/admin/users", "/admin/names"]) {
    expect((await other.goto(path))?.status(), path).toBe(404);
    await expect(other.getByRole("heading", { name: "Not found" })).toBeVisible();
  }

  // The owner still has both.
  await owner.goto("/keys");
  await expect(owner.getByText(key.fingerprint, { exact: true })).toBeVisible();
  await owner.goto("/names");
  await expect(owner.getByRole("link", { name, exact: true })).toBeVisible();
  await ownerContext.close();
  await otherContext.close();
});

test("a random name's access page is a redirect in the answer itself, not a 200 that moves later", async ({
  page,
}) => {
  const { id } = await signUpQuietly(page);
  // A random name the relay gave this user (closed just now, so still kept for them): its access
  // page has no settings to offer and sends them to the name's page.
  const name = unique();
  await suiteDb().tunnelSession.create({
    data: { name, userId: id, clientIp: "127.0.0.1", randomName: true, endedAt: new Date() },
  });
  // The raw answer, as curl or a link checker reads it: a redirect with its Location, rather than a
  // 200 whose HTML moves the browser on afterwards.
  const answer = await page.request.get(`/tunnels/${name}/access`, { maxRedirects: 0 });
  expect(answer.status()).toBe(307);
  expect(answer.headers().location).toBe(`/tunnels/${name}`);
  // Followed, it is the name's page.
  await page.goto(`/tunnels/${name}/access`);
  await expect(page).toHaveURL(new RegExp(`/tunnels/${name}$`));
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
});

/** Replaces `from` with `to` in the body of every server-action POST the page sends. */
async function rewriteActionCalls(page: Page, from: string, to: string) {
  await page.route("**/*", async (route) => {
    const request = route.request();
    const body = request.postDataBuffer();
    if (request.method() !== "POST" || !request.headers()["next-action"] || !body) return route.continue();
    await route.continue({ postData: Buffer.from(body.toString("latin1").split(from).join(to), "latin1") });
  });
}
