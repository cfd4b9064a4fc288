import type { Page, Request } from "@playwright/test";
import { createSharingWorld, curl, type SharingWorld } from "./sharing/setup.ts";
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

/** Counts the page's asks for a tunnel's status, and says when none is on its way. */
function watchStatusFetches(page: Page, name: string) {
  let started = 0;
  let settled = 0;
  const isStatus = (url: string) => new URL(url).pathname === `/api/tunnels/${name}`;
  page.on("request", (request) => {
    if (isStatus(request.url())) started++;
  });
  const settle = (request: Request) => {
    if (isStatus(request.url())) settled++;
  };
  page.on("requestfinished", settle);
  page.on("requestfailed", settle);
  return {
    count: () => started,
    settled: () => expect.poll(() => started === settled).toBe(true),
  };
}

test("an open tunnel page learns its tunnel connecting, serving and dropping as it happens, and an idle one asks for nothing", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const burrow = burrowUnderTest();
  const name = unique("live");
  await world.reserve(name);
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    const fetches = watchStatusFetches(page, name);
    // The page's timers run on a clock the test moves: polling happens only when the test says.
    await page.clock.install();
    await page.goto(`/tunnels/${name}`);
    const status = page.getByTestId("tunnel-status");
    await expect(status).toHaveText("Offline");
    await expect(status).toHaveAttribute("data-updates", "push");
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 2_100);
    await fetches.settled();

    // An idle page, a minute on its clock: it asks at most every 20 s (it polled every 3 s).
    const before = fetches.count();
    for (let step = 0; step < 12; step++) {
      await page.clock.runFor(5_000);
      await fetches.settled();
    }
    expect(fetches.count() - before).toBeLessThanOrEqual(3);

    // The tunnel connects while no timer of the page can run: only the announcement can tell it.
    await world.connect(name);
    await expect(status).toHaveText("Online");
    await expect(page.getByText("Connected", { exact: true })).toBeVisible();

    // Time flows again: requests through the tunnel show in its counters (saved every 2 s).
    await page.clock.resume();
    for (let i = 0; i < 3; i++) expect((await curl(burrow, name, `/live-${i}`)).status).toBe(200);
    const session = page.locator("dl").filter({ has: page.getByText("Since", { exact: true }) });
    const requests = session.getByText("Requests", { exact: true }).locator("xpath=following-sibling::dd");
    // Three, and the one `connect` made to see the tunnel up.
    await expect(requests).toHaveText("4");

    // And the drop, without a reload.
    await world.disconnect(name);
    await expect(status).toHaveText("Offline");
    await expect(page.getByText("Not connected", { exact: true })).toBeVisible();
  } finally {
    await owner.close();
  }
});
