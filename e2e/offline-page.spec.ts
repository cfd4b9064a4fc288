import { createSharingWorld, type SharingWorld } from "./sharing/setup.ts";
import { burrowUnderTest } from "./support/burrow-env.ts";
import { expect, test, unique } from "./support/fixtures.ts";

let world: SharingWorld;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  world = await createSharingWorld(burrowUnderTest());
});

test.afterAll(async () => {
  await world?.close();
});

test("a friend on the offline page gets the app as soon as the tunnel is back, and their waiting is not logged", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const name = unique("back");
  await world.reserve(name);
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  // A script or request the page's own policy blocked would only show here (the 503 itself is
  // reported there too, as a failed load).
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  try {
    await page.goto(`${world.url(name)}/dashboard?tab=2`);
    await expect(page.getByRole("heading", { name: "Tunnel offline" })).toBeVisible();
    await expect(page.getByRole("status")).toHaveText("This page reloads by itself as soon as it is back.");
    // Long enough for a plain page to have reloaded several times: this one waits.
    await page.waitForTimeout(2_000);
    await expect(page.getByRole("heading", { name: "Tunnel offline" })).toBeVisible();

    await world.connect(name);
    // No click, no reload by the test: the page goes to the app by itself, at the address it had.
    await expect(page.getByRole("heading", { name: "the local app" })).toBeVisible({ timeout: 15_000 });
    await expect(page.locator("#echo")).toContainText('"path":"/dashboard?tab=2"');
    expect(problems).toEqual([]);

    // The log has the visit while offline and the one after, not the waiting in between.
    await expect
      .poll(async () =>
        (
          await world.db.requestLog.findMany({
            where: { name, path: "/dashboard?tab=2" },
            orderBy: { at: "asc" },
            select: { status: true },
          })
        ).map((visit) => visit.status),
      )
      .toEqual([503, 200]);
  } finally {
    await context.close();
  }
});
