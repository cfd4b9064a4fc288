import { createSharingWorld, curl, type SharingWorld } from "./sharing/setup.ts";
import { expectAccessible } from "./support/axe.ts";
import { burrowUnderTest } from "./support/burrow-env.ts";
import { expect, expectFitsPhone, signIn, test } from "./support/fixtures.ts";

let world: SharingWorld;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  world = await createSharingWorld(burrowUnderTest());
});

test.afterAll(async () => {
  await world?.close();
});

test("a tunnel without a name shows on the overview and names page, its log reads like any name's, and Keep makes it a reserved name", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const burrow = burrowUnderTest();
  const name = await world.connectRandom();
  expect((await curl(burrow, name, "/from-a-friend")).status).toBe(200);
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    // An error with a long path in the log: Recent errors shows it cut short, even on a phone.
    const longPath = `/${"a-long-path-segment/".repeat(12)}?with=a-query`;
    await world.db.requestLog.create({
      data: { name, method: "GET", path: longPath, status: 502, durationMs: 1, clientIp: "203.0.113.9" },
    });
    await page.goto("/");
    // Under Online now, marked as a random name (its error row is under Recent errors).
    const online = page.getByRole("listitem").filter({ hasText: name }).filter({ hasText: "random name" });
    await expect(online).toContainText("Online");
    await expect(page.getByTitle(longPath)).toBeVisible();
    await expectFitsPhone(page);
    // The error opens as itself: its details above the name's 5xx answers.
    await page.getByRole("link", { name: `GET ${longPath}` }).click();
    await expect(page).toHaveURL(/[?&]status=5xx&request=\d+$/);
    await expect(page.getByRole("region", { name: "Linked request" })).toContainText(`GET ${longPath} · 502`);

    await page.goto("/names");
    const random = page.getByRole("table", { name: "Random names kept for you" });
    await expect(random.getByTestId(`status-${name}`)).toHaveText("Online");
    await expect(random.getByTestId(`kept-${name}`)).toHaveText("while connected, then 24 h");
    await expect(page.getByRole("table", { name: "Your names" })).toHaveCount(0);
    await expectAccessible(page, "/names with a random name");
    // The tables scroll in their own boxes.
    await expectFitsPhone(page);

    await random.getByRole("link", { name, exact: true }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    await expect(page.getByText("A random name.")).toBeVisible();
    await expect(page.getByText(`ssh -R ${name}:80:localhost:<port>`)).toBeVisible();
    await expect(page.getByRole("link", { name: "Access & sharing" })).toHaveCount(0);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    await expect(log.getByRole("button", { name: "Details of GET /from-a-friend" })).toBeVisible();
    // Its settings page has nothing to offer yet: back to the name's page.
    await page.goto(`/tunnels/${name}/access`);
    await expect(page).toHaveURL(new RegExp(`/tunnels/${name}$`));

    // An admin sees it with its owner; freeing it waits until its tunnel is down.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, burrow.adminEmail, burrow.adminPassword);
    await admin.goto("/admin/names");
    const row = admin
      .getByRole("table", { name: "Random names kept for their users" })
      .getByRole("row", { name });
    await expect(row).toContainText(world.owner.email);
    await expect(row).toContainText("while connected, then 24 h");
    await expectAccessible(admin, "/admin/names with random names");
    await row.getByRole("button", { name: `Free ${name}` }).click();
    const freeDialog = admin.getByRole("dialog", { name: `Free ${name}?` });
    await freeDialog.getByRole("button", { name: "Free name" }).click();
    await expect(freeDialog.getByRole("alert")).toContainText(`${name} is connected right now`);
    // Relay & tunnels marks it random while it is one.
    await admin.goto("/admin");
    const connected = admin.getByRole("table", { name: "Connected tunnels" });
    await expect(connected.getByRole("row", { name })).toContainText("(random)");

    await page.getByRole("button", { name: `Keep this name: ${name}` }).click();
    await expect(page.getByRole("link", { name: "Access & sharing" })).toBeVisible();
    await expect(page.getByText("A random name.")).toHaveCount(0);
    await expect(log.getByRole("button", { name: "Details of GET /from-a-friend" })).toBeVisible();
    await page.goto("/names");
    await expect(page.getByRole("table", { name: "Your names" }).getByTestId(`status-${name}`)).toHaveText(
      "Online",
    );
    await expect(page.getByRole("table", { name: "Random names kept for you" })).toHaveCount(0);
    // The admin's list follows the reservation, not how the tunnel started.
    await admin.reload();
    await expect(connected.getByRole("row", { name })).toBeVisible();
    await expect(connected.getByRole("row", { name })).not.toContainText("(random)");
    await adminContext.close();
  } finally {
    await owner.close();
  }
});
