import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page, Request } from "@playwright/test";
import { createSharingWorld, curl, type SharingWorld } from "./sharing/setup.ts";
import { burrowUnderTest } from "./support/burrow-env.ts";
import { addKey, expect, signIn, signUp, test, unique } from "./support/fixtures.ts";
import { generateKey } from "./support/ssh.ts";

let world: SharingWorld;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  world = await createSharingWorld(burrowUnderTest());
});

test.afterAll(async () => {
  await world?.close();
});

/** Counts the page's asks at `path` (a tunnel's status, the user's names), and says when none is on its way. */
function watchFetches(page: Page, path: string) {
  let started = 0;
  let settled = 0;
  const isWatched = (url: string) => new URL(url).pathname === path;
  page.on("request", (request) => {
    if (isWatched(request.url())) started++;
  });
  const settle = (request: Request) => {
    if (isWatched(request.url())) settled++;
  };
  page.on("requestfinished", settle);
  page.on("requestfailed", settle);
  return {
    count: () => started,
    settled: () => expect.poll(() => started === settled).toBe(true),
  };
}

/**
 * Pauses the page's clock (the page must have installed it), then moves it on a minute, 5 s at a
 * time, letting each ask finish before the next step: returns how many asks it made. From then on
 * the page's timers run only when the test moves its clock.
 */
async function asksInAnIdleMinute(page: Page, fetches: ReturnType<typeof watchFetches>): Promise<number> {
  // 2.1 s on: past the 2 s spacing of announcements, so the next one is passed on at once.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 2_100);
  await fetches.settled();
  const before = fetches.count();
  for (let step = 0; step < 12; step++) {
    await page.clock.runFor(5_000);
    await fetches.settled();
  }
  return fetches.count() - before;
}

/**
 * Moves the page's paused clock on, half a second at a time, until `what` is found `count` times:
 * an announcement within 2 s of the last is passed on once that spacing has passed on the page's
 * clock (and an admin's page hears every tunnel of the relay, other tests' too, at any moment).
 */
async function countOnItsClock(page: Page, what: Locator, count: number): Promise<void> {
  await expect
    .poll(async () => {
      await page.clock.runFor(500);
      return what.count();
    })
    .toBe(count);
}

test("an open tunnel page learns its tunnel connecting, serving and dropping as it happens, and an idle one seldom asks", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const burrow = burrowUnderTest();
  const name = unique("live");
  await world.reserve(name);
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    const fetches = watchFetches(page, `/api/tunnels/${name}`);
    // The page's timers run on a clock the test moves: polling happens only when the test says.
    await page.clock.install();
    await page.goto(`/tunnels/${name}`);
    const status = page.getByTestId("tunnel-status");
    await expect(status).toHaveText("Offline");
    await expect(status).toHaveAttribute("data-updates", "push");
    // An idle page, a minute on its clock: it asks at most every 20 s (it polled every 3 s).
    expect(await asksInAnIdleMinute(page, fetches)).toBeLessThanOrEqual(3);

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

test("the overview lists a tunnel as online when it connects and takes it off when it drops, without polling", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const name = unique("overview");
  await world.reserve(name);
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    const fetches = watchFetches(page, "/api/names");
    await page.clock.install();
    await page.goto("/");
    await expect(page.getByTestId("live-names")).toHaveAttribute("data-updates", "push");
    // Idle for a minute on its clock: at most every 20 s (it polled every 5 s).
    expect(await asksInAnIdleMinute(page, fetches)).toBeLessThanOrEqual(3);

    // No timer of the page can run: the tunnel connecting is announced.
    const online = page
      .locator("section")
      .filter({ has: page.getByRole("heading", { name: "Online now" }) })
      .getByRole("link", { name, exact: true });
    await expect(online).toHaveCount(0);
    await world.connect(name);
    await expect(online).toBeVisible();

    // And its drop, once the announcement's 2 s spacing has passed on the page's clock.
    await world.disconnect(name);
    await countOnItsClock(page, online, 0);
  } finally {
    await owner.close();
  }
});

test("the admin's list of connected tunnels follows tunnels connecting and dropping without polling", async ({
  page,
  burrow,
}) => {
  test.setTimeout(120_000);
  const name = unique("admin");
  await world.reserve(name);
  await page.clock.install();
  await signIn(page, burrow.adminEmail, burrow.adminPassword);
  await page.goto("/admin");
  await expect(page.getByTestId("live-tunnels")).toHaveAttribute("data-updates", "push");
  // Its clock stands still: what it shows comes from announcements (and the 2 s spacing between
  // them, passed on the clock a few seconds at most, never the 20 s of its poll). How seldom an
  // idle page asks is not measured here: the admin's list hears every tunnel of the relay, those
  // of the tests running beside this one too.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 2_100);

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toHaveCount(0);
  await world.connect(name);
  await countOnItsClock(page, row, 1);
  await world.disconnect(name);
  await countOnItsClock(page, row, 0);
});

test("a key added in another tab ticks the overview's first step without polling", async ({
  page,
  browser,
  burrow,
}) => {
  test.setTimeout(120_000);
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-live-key-"));
  try {
    const key = await generateKey(dir);
    await signUp(page);
    const gettingStarted = page.getByRole("region", { name: "Get started" });
    await expect(gettingStarted).toContainText("Add your SSH public key");
    await expect(gettingStarted).not.toContainText("Done");
    // The overview's timers stand still (its clock, installed before a reload, paused): only an
    // announcement can tell it about the key.
    await page.clock.install();
    await page.reload();
    await expect(page.getByTestId("live-names")).toHaveAttribute("data-updates", "push");
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 2_100);

    // Another browser window signed in as the same user (a page of the same context would share
    // the paused clock).
    const other = await browser.newContext({
      baseURL: burrow.dashboardUrl,
      storageState: await page.context().storageState(),
    });
    const keys = await other.newPage();
    await addKey(keys, key, "second tab");

    await expect(gettingStarted).toContainText("Add your SSH public keyDone");
    await other.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("while the dashboard cannot be reached, the overview, the tunnel page and /names say they are not updating, and stop once it answers", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const name = unique("outage");
  await world.connect(name);
  const owner = await world.ownerContext(browser);
  try {
    // The pages load, but nothing of the dashboard's API answers (refused, as with Burrow stopped):
    // neither the event streams, so every view polls, nor its polls.
    await owner.route("**/api/**", (route) => route.abort("connectionrefused"));
    const overview = await owner.newPage();
    await overview.goto("/");
    const tunnel = await owner.newPage();
    await tunnel.goto(`/tunnels/${name}`);
    const names = await owner.newPage();
    await names.goto("/names");

    const notUpdating = /^Not updating: cannot reach the dashboard · as of \d\d:\d\d:\d\d · retrying…$/;
    // Still listed as online, as last seen, but not passed off as current.
    const online = overview
      .locator("section")
      .filter({ has: overview.getByRole("heading", { name: "Online now" }) })
      .getByRole("link", { name, exact: true });
    await expect(online).toBeVisible();
    await expect(overview.getByTestId("not-updating")).toHaveText(notUpdating);
    // Its status, then its request log's live tail.
    await expect(tunnel.getByTestId("not-updating")).toHaveText([notUpdating, notUpdating]);
    await expect(names.getByTestId("not-updating")).toHaveText(notUpdating);

    // The dashboard answers again: each says nothing more, at its next look.
    await owner.unrouteAll();
    for (const page of [overview, tunnel, names]) {
      await expect(page.getByTestId("not-updating")).toHaveCount(0);
    }
    await expect(tunnel.getByText("Connected", { exact: true })).toBeVisible();
  } finally {
    await owner.close();
    await world.disconnect(name);
  }
});

test("the traffic chart says it is not updating while its looks fail, keeping what it drew, and stops once they work", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const burrow = burrowUnderTest();
  const name = unique("chart");
  await world.connect(name);
  const owner = await world.ownerContext(browser);
  try {
    const page = await owner.newPage();
    await page.goto(`/tunnels/${name}`);
    const summary = page.getByTestId("traffic-summary");
    await expect(summary).toContainText(/request/);
    // Only the chart's own looks fail; a request through the tunnel makes it look again at once.
    await owner.route("**/api/tunnels/*/stats**", (route) => route.abort("connectionrefused"));
    expect((await curl(burrow, name, "/chart-1")).status).toBe(200);
    await expect(summary.getByTestId("not-updating")).toHaveText(
      /^Not updating: cannot reach the dashboard · as of \d\d:\d\d:\d\d · retrying…$/,
      { timeout: 20_000 },
    );
    await expect(
      page.getByRole("figure", { name: "Traffic over the last hour" }).locator("svg"),
    ).not.toHaveCount(0);

    await owner.unrouteAll();
    expect((await curl(burrow, name, "/chart-2")).status).toBe(200);
    await expect(summary.getByTestId("not-updating")).toHaveCount(0, { timeout: 20_000 });
  } finally {
    await owner.close();
    await world.disconnect(name);
  }
});
