import { devices, type Page } from "@playwright/test";
import { expect, reserveName, signUp, test, unique } from "./support/fixtures.ts";

// The narrowest phones still sold (and any phone with its text made larger) are 320 px wide.
const { defaultBrowserType: _webkit, ...pixel } = devices["Pixel 7"];
const NARROW = { width: 320, height: 640 };
test.use({ ...pixel, viewport: NARROW });

async function expectNoSidewaysScroll(page: Page) {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
    .toBeLessThanOrEqual(NARROW.width);
}

test("on a 320 px phone the tunnel and access pages fit: QR code, chart legend, long host, share links", async ({
  page,
}) => {
  await signUp(page);
  // A long name: the host it makes has no place to break.
  const name = unique("a-rather-long-name-for-a-narrow-phone");
  await reserveName(page, name);
  await page.goto(`/tunnels/${name}`);

  // The QR code opens inside the screen instead of half past its right edge.
  await page.getByText("QR code", { exact: true }).click();
  await expect(page.getByRole("img", { name: /^QR code of / })).toBeInViewport({ ratio: 1 });
  await expectNoSidewaysScroll(page);
  await page.keyboard.press("Escape");
});
