import type { BrowserContext, Page } from "@playwright/test";
import { createShareLink as serviceCreateShareLink, setAccessSettings } from "../lib/sharing/service.ts";
import { createUser } from "../lib/users/service.ts";
import { createSharingWorld, curl, type Echo, type SharingWorld } from "./sharing/setup.ts";
import { expectAccessible } from "./support/axe.ts";
import { burrowUnderTest } from "./support/burrow-env.ts";
import { expect, expectFitsPhone, PASSWORD, signInQuietly, test } from "./support/fixtures.ts";

// One owner, one tunnel: the specs change its access mode in turn, so they run in order.
test.describe.configure({ mode: "serial" });

const TUNNEL_PASSWORD = "tunnel-pass-123";
let world: SharingWorld;
let name: string;
let owner: BrowserContext;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  world = await createSharingWorld(burrowUnderTest());
  name = await world.connect();
  owner = await world.ownerContext(browser);
});

test.afterAll(async () => {
  await owner?.close();
  await world?.close();
});

async function echoOf(page: Page): Promise<Echo> {
  return JSON.parse((await page.locator("#echo").textContent()) ?? "{}") as Echo;
}

/**
 * The owner's access page for the tunnel: reached from the tunnel page when `fromTunnelPage` (the
 * first test checks that way there), opened by its address otherwise (the tunnel page, with its
 * log and chart, is the costliest page to render on a loaded machine).
 */
async function openAccessPage(fromTunnelPage = false): Promise<Page> {
  const page = await owner.newPage();
  if (fromTunnelPage) {
    await page.goto(`/tunnels/${name}`);
    await page.getByRole("link", { name: "Access & sharing" }).click();
    await expect(page).toHaveURL(new RegExp(`/tunnels/${name}/access$`));
  } else {
    await page.goto(`/tunnels/${name}/access`);
  }
  await expect(page.getByRole("heading", { name: `Access to ${name}`, level: 1 })).toBeVisible();
  return page;
}

async function setMode(page: Page, mode: "Public" | "Password" | "Links only", password?: string) {
  await page.getByRole("radio", { name: mode, exact: true }).check();
  if (password) await page.locator("#tunnel-password").fill(password);
  await page.getByRole("button", { name: "Save access" }).click();
  await expect(page.getByText(`Saved: ${mode.toLowerCase()}.`)).toBeVisible();
}

async function createLink(page: Page, label: string, maxUses?: number): Promise<string> {
  await page.getByLabel("Label").fill(label);
  await page.getByLabel("Expires").selectOption("1d");
  if (maxUses !== undefined) await page.getByLabel("Maximum uses").fill(String(maxUses));
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByText(`Link “${label}” created.`)).toBeVisible();
  const link = (await page.locator("code").filter({ hasText: "burrow_share=" }).textContent()) ?? "";
  expect(link).toMatch(/\?burrow_share=[A-Za-z0-9_-]{43}$/);
  return link;
}

/** Reloads until `expectation` holds: the relay applies changes within seconds, not instantly. */
async function eventually(page: Page, url: string, expectation: () => Promise<void>) {
  await expect(async () => {
    await page.goto(url);
    await expectation();
  }).toPass({ timeout: 10_000 });
}

test("the password page hides the app; a wrong password is refused, the right one gets in and stays", async ({
  browser,
}) => {
  const access = await openAccessPage(true);
  // On a public name a link changes nothing, and the page says so above the form.
  const publicNote = access.getByText("This address is public: anyone can open it without a link.");
  await expect(publicNote).toBeVisible();
  await setMode(access, "Password", TUNNEL_PASSWORD);
  await expect(publicNote).toHaveCount(0);

  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  const target = `${world.url(name)}/inside?x=1`;
  const seenBefore = world.app.seen.length;
  await eventually(page, target, () =>
    expect(page.getByRole("heading", { name: "Password required" })).toBeVisible(),
  );
  await expect(page.getByRole("heading", { name: "the local app" })).toHaveCount(0);
  expect(world.app.seen.length).toBe(seenBefore);

  await expectAccessible(page, "the password page");
  await page.getByLabel("Password").fill("not the password");
  // While the post is on its way (seconds on a slow network) the button says so and takes no
  // second press. Seen from the page itself, kept across the navigation in sessionStorage: the
  // answer replaces the page before a test could look.
  await page.evaluate(() => {
    const b = document.querySelector("form button");
    if (!(b instanceof HTMLButtonElement)) return;
    new MutationObserver(() => {
      sessionStorage.setItem("while-sent", JSON.stringify({ text: b.textContent, disabled: b.disabled }));
    }).observe(b, { attributes: true, childList: true, characterData: true, subtree: true });
  });
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert")).toHaveText("That password is not right.");
  // The post was answered with a redirect to the page (GET): Back or a reload never posts the
  // password again, and the address does not carry it.
  await expect(page).toHaveURL(`${world.url(name)}/__burrow/login?next=%2Finside%3Fx%3D1&said=wrong`);
  expect(JSON.parse((await page.evaluate(() => sessionStorage.getItem("while-sent"))) ?? "null")).toEqual({
    text: "Checking…",
    disabled: true,
  });
  await expect(page.getByRole("button", { name: "Continue" })).toBeEnabled();
  await expectAccessible(page, "the password page saying the password is wrong");
  await page.reload();
  await expect(page.getByRole("alert")).toHaveText("That password is not right.");
  await expect(page.getByRole("heading", { name: "the local app" })).toHaveCount(0);

  await page.getByLabel("Password").fill(TUNNEL_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();
  await expect(page).toHaveURL(target);
  const echo = await echoOf(page);
  expect(echo.path).toBe("/inside?x=1");
  expect(echo.cookie).toBeNull();

  const [cookie] = await visitor.cookies();
  expect(cookie).toMatchObject({ name: "burrow_access", httpOnly: true, sameSite: "Lax", secure: false });
  expect(cookie?.domain).toBe(`${name}.localhost`);

  await page.reload();
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();

  // The cookie runs out (or the password changes) while a form is open: its post gets the relay's
  // page, not the browser's own Basic-auth dialog, and signing in leads back to the page (a GET).
  await visitor.clearCookies();
  await page.evaluate(() => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = "/inside?x=1";
    document.body.append(form);
    form.submit();
  });
  await expect(page.getByRole("heading", { name: "Password required" })).toBeVisible();
  await page.getByLabel("Password").fill(TUNNEL_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();
  await expect(page).toHaveURL(target);
  await visitor.close();
  await access.close();
});

test("curl with the tunnel password gets in, and the app never sees the header", async () => {
  const burrow = burrowUnderTest();
  const ok = await curl(burrow, name, "/hook", ["-u", `:${TUNNEL_PASSWORD}`]);
  expect(ok.status).toBe(200);
  expect(ok.echo?.path).toBe("/hook");
  expect(ok.echo?.authorization).toBeNull();

  const wrong = await curl(burrow, name, "/hook", ["-u", ":wrong"]);
  expect(wrong.status).toBe(401);
  expect(wrong.echo).toBeUndefined();
});

test("a share link works in a fresh context; its token and Burrow's cookie never reach the app", async ({
  browser,
}) => {
  const access = await openAccessPage();
  await setMode(access, "Links only");
  // Links only and not one link: the page says the address opens for nobody now.
  const nobody = access.getByText("Nobody can open this address now");
  await expect(nobody).toBeVisible();
  const link = await createLink(access, "for Ana");
  await expect(nobody).toHaveCount(0);
  // Shown once, also as a QR code for a phone at hand.
  await access.getByText("QR code", { exact: true }).click();
  await expect(access.getByRole("img", { name: `QR code of ${link}` })).toBeVisible();

  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await eventually(strangerPage, world.url(name), () =>
    expect(strangerPage.getByRole("heading", { name: "This address is private" })).toBeVisible(),
  );
  await stranger.close();

  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await page.goto(`${link}&tab=2`.replace("/?", "/welcome?"));
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();
  await expect(page).toHaveURL(`${world.url(name)}/welcome?tab=2`);
  const echo = await echoOf(page);
  expect(echo.path).toBe("/welcome?tab=2");
  expect(echo.cookie).toBeNull();
  expect(world.app.seen.some((seen) => seen.path.includes("burrow_share"))).toBe(false);
  await page.reload();
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();

  await access.reload();
  const row = access.getByRole("row").filter({ hasText: "for Ana" });
  await expect(row.getByRole("cell").nth(3)).toHaveText("1");
  await expect(row).toContainText("Active");
  await visitor.close();
  await access.close();
});

test("revoking a link cuts off a visitor who is already on the page", async ({ browser }) => {
  const access = await openAccessPage();
  const link = await createLink(access, "for Bo");
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();

  await access.getByRole("button", { name: "Revoke link for Bo" }).click();
  const dialog = access.getByRole("dialog", { name: "Revoke the link “for Bo”?" });
  await dialog.getByRole("button", { name: "Revoke link" }).click();
  await expect(access.getByRole("row").filter({ hasText: "for Bo" })).toContainText("Revoked");

  await eventually(page, world.url(name), () =>
    expect(page.getByRole("heading", { name: "This link was revoked" })).toBeVisible(),
  );
  await expect(page.getByRole("heading", { name: "the local app" })).toHaveCount(0);
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "This link was revoked" })).toBeVisible();
  await visitor.close();
  await access.close();
});

test("a one-time link survives a chat app's preview: only the visitor's click uses it", async ({
  browser,
}) => {
  const access = await openAccessPage();
  const link = await createLink(access, "for Cy", 1);
  // With links listed, the page still fits a phone, and a link's uses, status and revoke button
  // are in view there, not behind a sideways scroll (its dates go under its label).
  await expectFitsPhone(access);
  const desktop = access.viewportSize();
  await access.setViewportSize({ width: 390, height: 800 });
  const phoneRow = access.getByRole("row").filter({ hasText: "for Cy" });
  // Scrolled to vertically by its label, the row's left end: nothing scrolls it sideways.
  await phoneRow.getByRole("cell").first().scrollIntoViewIfNeeded();
  await expect(phoneRow.getByText("0 / 1")).toBeInViewport({ ratio: 1 });
  await expect(phoneRow.getByText("Active")).toBeInViewport({ ratio: 1 });
  await expect(phoneRow.getByRole("button", { name: "Revoke link for Cy" })).toBeInViewport({ ratio: 1 });
  await expect(phoneRow.getByText("not used yet")).toBeVisible();
  if (desktop) await access.setViewportSize(desktop);
  const path = link.slice(world.url(name).length);

  // A chat app fetches what it is sent to build a preview: a HEAD, then a GET as a bot.
  const head = await curl(burrowUnderTest(), name, path, ["-I"]);
  const preview = await curl(burrowUnderTest(), name, path, ["-A", "Slackbot-LinkExpanding 1.0"]);
  for (const fetched of [head, preview]) {
    expect(fetched.status).toBe(200);
    expect(fetched.headers).not.toMatch(/set-cookie/i);
  }
  expect(preview.body).toContain("Someone shared this address with you. This link can be opened once.");

  // The owner is about to revoke it as the visitor opens it.
  await access.getByRole("button", { name: "Revoke link for Cy" }).click();
  const revoking = access.getByRole("dialog", { name: "Revoke the link “for Cy”?" });
  await expect(revoking).toBeVisible();

  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Open shared address" })).toBeVisible();
  await expectAccessible(page, "the share link's confirm page");
  await page.getByRole("button", { name: "Open" }).click();
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();
  await expect(page).toHaveURL(`${world.url(name)}/`);
  expect(world.app.seen.some((seen) => seen.path.includes("burrow_share"))).toBe(false);
  // The confirm page and its redirect send no Referer: the app's scripts cannot read the token.
  expect(await page.evaluate(() => document.referrer)).toBe("");

  // The page renders again every 5 s, but not under an open confirmation: the dialog the owner is
  // reading does not turn into another one. Closed, the page catches up.
  await access.waitForTimeout(6_000);
  await expect(revoking.getByRole("button", { name: "Revoke link" })).toBeVisible();
  await revoking.getByRole("button", { name: "Cancel" }).click();
  // The owner's page, open all along, follows: the use counted, the link used up, Revoke gone.
  const row = access.getByRole("row").filter({ hasText: "for Cy" });
  await expect(row.getByRole("cell").nth(3)).toHaveText("1 / 1");
  await expect(row).toContainText("Used up");
  await expect(row.getByRole("button", { name: "Revoke link for Cy" })).toHaveCount(0);
  const late = await browser.newContext();
  const latePage = await late.newPage();
  await latePage.goto(link);
  await expect(latePage.getByRole("heading", { name: "This link has been used up" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();

  // The owner's log tells the steps apart: the confirmation page is not a refusal, the late
  // visitor's is, and none of them reached the app.
  const dashboard = await owner.newPage();
  await dashboard.goto(`/tunnels/${name}`);
  const log = dashboard.getByRole("table", { name: `Requests to ${name}, newest first` });
  const rowWith = (text: string) => log.getByRole("row").filter({ hasText: text }).first();
  await expect(rowWith("Used-up link")).toContainText("410", { timeout: 20_000 });
  await expect(rowWith("Link confirmation")).toContainText("200");
  await expect(rowWith("Link confirmation")).not.toContainText("Denied");
  await expect(rowWith("Link opened")).toContainText("303");
  // Opened, a row says which link the visitor came with and that Burrow, not the app, answered.
  await rowWith("Link opened").click();
  const details = log.getByRole("row").filter({ hasText: "What happened" });
  await expect(details).toContainText(
    "The visitor opened a share link and was let in. Your app did not see this request.",
  );
  await expect(details).toContainText("share link “for Cy”");
  await expect(details).toContainText("Burrow's access page answered, not your app.");
  await Promise.all([late.close(), visitor.close(), access.close(), dashboard.close()]);
});

test("an expired link is refused, and a link that expires cuts off its visitors", async ({ browser }) => {
  const hour = 3_600_000;
  const expired = await serviceCreateShareLink(
    world.db,
    world.owner.id,
    name,
    { label: "old", expiry: "1h" },
    new Date(Date.now() - 2 * hour),
  );
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await page.goto(`${world.url(name)}/?burrow_share=${expired.token}`);
  await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
  await expectAccessible(page, "the expired link page");

  // Made to expire a few seconds from now.
  const expiring = await serviceCreateShareLink(
    world.db,
    world.owner.id,
    name,
    { label: "short", expiry: "1h" },
    new Date(Date.now() - hour + 4_000),
  );
  await page.goto(`${world.url(name)}/?burrow_share=${expiring.token}`);
  await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("heading", { name: "the local app" })).toHaveCount(0);
  }).toPass({ timeout: 15_000 });
  await visitor.close();
});

test("links that no longer work can be removed, one or all; their requests stay in the log", async () => {
  // By now: "for Ana" works; "for Bo" was revoked, "for Cy" used up, "old" and "short" expired
  // (the newest "Link opened" in the log is short's).
  const access = await openAccessPage();
  const rowOf = (label: string) => access.getByRole("row").filter({ hasText: label });
  await expect(rowOf("for Ana").getByRole("button", { name: "Remove link for Ana" })).toHaveCount(0);
  await expect(rowOf("for Cy").getByRole("button", { name: "Revoke link for Cy" })).toHaveCount(0);

  await access.getByRole("button", { name: "Remove link for Cy" }).click();
  const one = access.getByRole("dialog", { name: "Remove the link “for Cy” from this list?" });
  await expect(one).toContainText("stay in the request log");
  // Used up, it still lets in whoever opened it: removing it ends that, and the owner is told.
  await expect(one).toContainText("The visitors who opened it are still let in: they lose access");
  await one.getByRole("button", { name: "Remove link" }).click();
  await expect(rowOf("for Cy")).toHaveCount(0);

  await access.getByRole("button", { name: "Remove 3 inactive links" }).click();
  const all = access.getByRole("dialog", { name: "Remove 3 links that no longer work?" });
  await all.getByRole("button", { name: "Remove links" }).click();
  await expect(access.getByRole("table", { name: "Share links" }).locator("tbody tr")).toHaveCount(1);
  await expect(rowOf("for Ana")).toContainText("Active");
  await expect(access.getByRole("button", { name: /inactive links/ })).toHaveCount(0);

  const dashboard = await owner.newPage();
  await dashboard.goto(`/tunnels/${name}`);
  const log = dashboard.getByRole("table", { name: `Requests to ${name}, newest first` });
  await log.getByRole("row").filter({ hasText: "Link opened" }).first().click();
  const details = log.getByRole("row").filter({ hasText: "What happened" });
  await expect(details).toContainText("a share link since removed");
  await expect(details).not.toContainText("share link “");
  await Promise.all([access.close(), dashboard.close()]);
});

test("wrong passwords are throttled with 429, and the denied attempts show in the dashboard log", async ({
  browser,
}) => {
  const burrow = burrowUnderTest();
  const guarded = await world.connect();
  await setAccessSettings(world.db, world.owner.id, guarded, { mode: "PASSWORD", password: TUNNEL_PASSWORD });
  await expect.poll(async () => (await curl(burrow, guarded, "/")).status, { timeout: 10_000 }).toBe(401);

  for (let i = 0; i < 10; i++) {
    expect((await curl(burrow, guarded, "/", ["-u", `:guess-${i}`])).status).toBe(401);
  }
  const limited = await curl(burrow, guarded, "/", ["-u", `:${TUNNEL_PASSWORD}`]);
  expect(limited.status).toBe(429);
  expect(limited.headers).toMatch(/^retry-after: \d+$/im);

  // The browser form from the same address is throttled too, with a page.
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await page.goto(world.url(guarded));
  await page.getByLabel("Password").fill(TUNNEL_PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Too many attempts" })).toBeVisible();
  await visitor.close();

  const dashboard = await owner.newPage();
  await dashboard.goto(`/tunnels/${guarded}`);
  const log = dashboard.getByRole("table", { name: `Requests to ${guarded}, newest first` });
  await expect(log.getByRole("row").filter({ hasText: "429" }).first()).toBeVisible({ timeout: 20_000 });
  await expect(log.getByRole("row").filter({ hasText: "401" }).first()).toBeVisible();
  // Each row says why the visitor did not get in.
  await expect(log.getByRole("row").filter({ hasText: "429" }).first()).toContainText("Too many attempts");
  await expect(log.getByRole("row").filter({ hasText: "Wrong password" }).first()).toContainText("401");
  await dashboard.close();
});

test("a dev server that refuses other hosts: the owner sends it Host: localhost, and back", async ({
  browser,
}) => {
  const access = await openAccessPage();
  await setMode(access, "Public");
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  const target = `${world.url(name)}/dev`;
  await page.goto(target);
  expect((await echoOf(page)).host).toBe(new URL(target).host);

  await access.getByRole("radio", { name: "localhost", exact: true }).check();
  await access.getByRole("button", { name: "Save Host header" }).click();
  await expect(access.getByText("Saved: your app now receives Host: localhost.")).toBeVisible();
  await eventually(page, target, async () => expect((await echoOf(page)).host).toBe("localhost"));

  // The page reloaded shows the saved choice; switching back restores the visitor's Host.
  await access.reload();
  await expect(access.getByRole("radio", { name: "localhost", exact: true })).toBeChecked();
  await access.getByRole("radio", { name: /^As visitors send it/ }).check();
  await access.getByRole("button", { name: "Save Host header" }).click();
  await expect(access.getByText(`Saved: your app now receives Host: ${new URL(target).host}.`)).toBeVisible();
  await eventually(page, target, async () => expect((await echoOf(page)).host).toBe(new URL(target).host));
  await visitor.close();
  await access.close();
});

test("allowed networks: a visitor from another network gets the 403 page, the owner's own gets in", async ({
  browser,
}) => {
  const access = await openAccessPage();
  await setMode(access, "Public");
  const field = access.getByLabel("Addresses and ranges");
  const save = access.getByRole("button", { name: "Save addresses" });
  // A typo is named and nothing is saved.
  await field.fill("203.0.113.0/24\n10.0.0.0/33");
  await save.click();
  await expect(access.getByText(/Not an address or range: 10\.0\.0\.0\/33/)).toBeVisible();
  await expect(field).toHaveValue("203.0.113.0/24\n10.0.0.0/33");
  // A range written from an address inside it is refused too, naming its network and the address.
  await field.fill("203.0.113.7/24");
  await save.click();
  await expect(
    access.getByText(
      "203.0.113.7/24 has host bits set: did you mean 203.0.113.0/24, or 203.0.113.7 alone for that one address?",
    ),
  ).toBeVisible();
  await access.reload();
  await expect(access.getByLabel("Addresses and ranges")).toHaveValue("");

  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  const target = `${world.url(name)}/office`;
  await field.fill("203.0.113.0/24");
  await save.click();
  await expect(
    access.getByText("Saved: only visitors from this address or range may open it."),
  ).toBeVisible();
  await eventually(page, target, async () =>
    expect(page.getByRole("heading", { name: "Not open to your network" })).toBeVisible(),
  );

  // The names list shows the narrowed access; the owner's log says why the visitor was refused.
  const dashboard = await owner.newPage();
  await dashboard.goto("/names");
  await expect(dashboard.getByTestId(`access-${name}`)).toHaveText("Public · 1 network");
  await dashboard.goto(`/tunnels/${name}`);
  await expect(dashboard.getByTestId("tunnel-access")).toHaveText("· Public · 1 network");
  await dashboard.goto(`/tunnels/${name}`);
  const log = dashboard.getByRole("table", { name: `Requests to ${name}, newest first` });
  await expect(log.getByRole("row").filter({ hasText: "/office" }).first()).toContainText(
    "Address not allowed",
    {
      timeout: 20_000,
    },
  );
  await dashboard.close();

  // This machine's network (loopback) added: the visitor gets the app; emptied, anyone does.
  await field.fill("203.0.113.0/24, Loopback");
  await save.click();
  await expect(
    access.getByText("Saved: only visitors from these 2 addresses and ranges may open it."),
  ).toBeVisible();
  await expect(access.getByLabel("Addresses and ranges")).toHaveValue("203.0.113.0/24\nloopback");
  await eventually(page, target, async () => expect((await echoOf(page)).path).toBe("/office"));
  await access.getByLabel("Addresses and ranges").fill("");
  await save.click();
  await expect(access.getByText("Saved: visitors from any address may open it.")).toBeVisible();
  await visitor.close();
  await access.close();
});

test("the access page shows field errors from the shared schemas and keeps what was typed", async ({
  browser,
}) => {
  const before = await openAccessPage();
  await setMode(before, "Public");
  await before.close();
  // Loaded as public: a refused password must leave "Password" chosen, or the next save (with a
  // good password) would quietly keep the tunnel public.
  const access = await openAccessPage();
  await access.getByRole("radio", { name: "Password", exact: true }).check();
  await access.locator("#tunnel-password").fill("short");
  await access.getByRole("button", { name: "Save access" }).click();
  await expect(access.locator("#tunnel-password-error")).toHaveText("Use at least 8 characters");
  await expect(access.locator("#tunnel-password")).toHaveAttribute("aria-invalid", "true");
  // What was typed stays, to be corrected rather than typed again.
  await expect(access.locator("#tunnel-password")).toHaveValue("short");
  await expect(access.getByRole("radio", { name: "Password", exact: true })).toBeChecked();
  await access.locator("#tunnel-password").fill(TUNNEL_PASSWORD);
  await access.getByRole("button", { name: "Save access" }).click();
  await expect(access.getByText("Saved: password.")).toBeVisible();
  const visitor = await browser.newContext();
  const page = await visitor.newPage();
  await eventually(page, `${world.url(name)}/`, () =>
    expect(page.getByRole("heading", { name: "Password required" })).toBeVisible(),
  );
  await visitor.close();

  // What a share link's maximum uses takes, said in the form itself as it is typed.
  const maxUses = access.getByLabel("Maximum uses");
  for (const [typed, message] of [
    ["0", "Use at least 1 (or leave empty for no limit)"],
    ["-5", "Use at least 1 (or leave empty for no limit)"],
    ["99999999999", "Use at most 1,000,000 (or leave empty for no limit)"],
  ] as const) {
    await maxUses.fill(typed);
    await expect(access.locator("#share-max-uses-error")).toHaveText(message);
  }
  await maxUses.fill("");
  await access.getByLabel("Label").fill("for the past");
  await access.getByLabel("Expires").selectOption("date");
  await access.getByLabel("Expiry date and time").fill("2020-01-01T10:00");
  await access.getByRole("button", { name: "Create link" }).click();
  await expect(access.locator("#share-expires-at-error")).toHaveText("Pick a date in the future");
  await expect(access.getByLabel("Label")).toHaveValue("for the past");
  await expect(access.getByRole("row").filter({ hasText: "for the past" })).toHaveCount(0);
  await access.close();
});

test("another user gets the same 404 for a name's access page as for a name that does not exist", async ({
  browser,
}) => {
  const email = `other-${Date.now()}@e2e.test`;
  await createUser(world.db, { email, password: PASSWORD });
  const context = await browser.newContext({ baseURL: burrowUnderTest().dashboardUrl });
  const page = await context.newPage();
  await signInQuietly(page, email, PASSWORD);
  expect((await page.goto(`/tunnels/${name}/access`))?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByText("Share links")).toHaveCount(0);
  await context.close();
});
