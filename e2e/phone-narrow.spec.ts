import { devices, type Locator, type Page } from "@playwright/test";
import { expect, reserveName, signUpQuietly, test, unique } from "./support/fixtures.ts";

// The narrowest phones still sold (and any phone with its text made larger) are 320 px wide.
const { defaultBrowserType: _webkit, ...pixel } = devices["Pixel 7"];
const NARROW = { width: 320, height: 640 };
test.use({ ...pixel, viewport: NARROW });

async function expectNoSidewaysScroll(page: Page) {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
    .toBeLessThanOrEqual(NARROW.width);
}

/** Whether two elements' boxes overlap (both must be on the page). */
async function overlap(a: Locator, b: Locator): Promise<boolean> {
  const [x, y] = [await a.boundingBox(), await b.boundingBox()];
  if (!x || !y) throw new Error("not on the page");
  return x.x < y.x + y.width && y.x < x.x + x.width && x.y < y.y + y.height && y.y < x.y + x.height;
}

test("on a 320 px phone the tunnel and access pages fit: QR code, chart legend, long host, share links", async ({
  page,
}) => {
  await signUpQuietly(page);
  // A long name: the host it makes has no place to break.
  const name = unique("a-rather-long-name-for-a-narrow-phone");
  await reserveName(page, name);
  await page.goto(`/tunnels/${name}`);

  // The QR code opens inside the screen instead of half past its right edge.
  await page.getByText("QR code", { exact: true }).click();
  await expect(page.getByRole("img", { name: /^QR code of / })).toBeInViewport({ ratio: 1 });
  await expectNoSidewaysScroll(page);
  await page.keyboard.press("Escape");

  // The chart's legend wraps onto two lines here: it takes its own room above the plot instead of
  // being drawn over the axis labels.
  const chart = page.getByRole("figure", { name: "Traffic over the last hour" });
  const legend = chart.locator(".recharts-legend-item");
  await expect(legend).toHaveCount(2);
  const ticks = chart.locator(".recharts-cartesian-axis-tick-value");
  await expect(ticks.first()).toBeVisible();
  for (const item of await legend.all()) {
    for (const tick of await ticks.all()) expect(await overlap(item, tick)).toBe(false);
  }

  // Access: the "As visitors send it (<host>)" choice wraps inside its card.
  await page.goto(`/tunnels/${name}/access`);
  const hostChoice = page.getByRole("radio", { name: /^As visitors send it/ });
  const form = page.getByRole("form", { name: "Host header" });
  const card = page.locator("label").filter({ has: hostChoice });
  const [cardBox, formBox] = [await card.boundingBox(), await form.boundingBox()];
  expect((cardBox?.x ?? 0) + (cardBox?.width ?? 0)).toBeLessThanOrEqual(
    (formBox?.x ?? 0) + (formBox?.width ?? 0),
  );
  await expectNoSidewaysScroll(page);

  // A share link's Revoke button is on the screen, not behind a sideways scroll of its table.
  await page.getByRole("radio", { name: /^Links only/ }).check();
  await page.getByRole("button", { name: "Save access" }).click();
  await page.getByLabel("Label").fill("Ana (design review)");
  await page.getByLabel("Maximum uses (optional)").fill("3");
  await page.getByRole("button", { name: "Create link" }).click();
  const revoke = page.getByRole("button", { name: /^Revoke/ });
  const row = page.getByRole("row").filter({ has: revoke });
  await row.scrollIntoViewIfNeeded();
  await expect(revoke).toBeInViewport({ ratio: 1 });
  await expect(row.getByText("0 / 3")).toBeInViewport({ ratio: 1 });
  await expect(row.getByText("Active")).toBeInViewport({ ratio: 1 });
  await expectNoSidewaysScroll(page);
});

test("on a 320 px phone a long name is shown whole in its page's title, and its URL wraps inside the screen", async ({
  page,
}) => {
  await signUpQuietly(page);
  // No hyphen: nothing to break at but anywhere.
  const name = `phonelongname${Date.now().toString(36)}${process.pid.toString(36)}staging`;
  await reserveName(page, name);
  await page.goto(`/tunnels/${name}`);
  const title = page.getByRole("heading", { level: 1, name });
  await expect(title).toBeVisible();
  // Not cut short with an ellipsis.
  expect(await title.evaluate((h1) => h1.scrollWidth <= h1.clientWidth)).toBe(true);
  await expect(page.getByRole("link", { name: new RegExp(`^https?://${name}\\.`) })).toBeInViewport({
    ratio: 1,
  });
  await expectNoSidewaysScroll(page);
});

test("with the text twice as large, the account's email gives way and Sign out stays on the screen", async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await signUpQuietly(page, `${unique("a-long-address-for-larger-text")}@example-company.test`);
  await page.goto("/names");
  // What a phone's larger text setting does to a page sized in rem.
  await page.evaluate(() => {
    document.documentElement.style.fontSize = "200%";
  });
  await expect(page.getByRole("button", { name: "Sign out" })).toBeInViewport({ ratio: 1 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test("with the text twice as large, a confirmation's two buttons are both inside it", async ({ page }) => {
  await signUpQuietly(page);
  const name = unique("dialog");
  await reserveName(page, name);
  await page.evaluate(() => {
    document.documentElement.style.fontSize = "200%";
  });
  await page.getByRole("button", { name: `Release ${name}` }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  const box = await dialog.boundingBox();
  for (const label of ["Cancel", "Release name"]) {
    const button = await dialog.getByRole("button", { name: label }).boundingBox();
    // Not pushed past the dialog's left edge, where nothing scrolls to it.
    expect(button?.x ?? -1).toBeGreaterThanOrEqual(box?.x ?? 0);
    expect((button?.x ?? 0) + (button?.width ?? 0)).toBeLessThanOrEqual((box?.x ?? 0) + (box?.width ?? 0));
  }
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
});
