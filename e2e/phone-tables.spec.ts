import type { Locator } from "@playwright/test";
import { expectAccessible } from "./support/axe.ts";
import { expect, reserveName, signIn, signUp, test, unique } from "./support/fixtures.ts";

const PHONE = { width: 390, height: 844 };

/**
 * The row is a card on screen, each cell saying its column (the labels are CSS content, which
 * getByText does not see): nothing hides behind a sideways scroll.
 */
async function expectCard(row: Locator, labels: string[]) {
  const cells = row.locator("td[data-label]");
  const shown = await cells.evaluateAll((tds) => tds.map((td) => getComputedStyle(td, "::before").content));
  expect(shown).toEqual(labels.map((label) => JSON.stringify(label)));
  for (const cell of await cells.all()) await expect(cell).toBeInViewport({ ratio: 1 });
  const box = await row.boundingBox();
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
}

test("on a phone each name is a card showing every column, Release included", async ({ page, burrow }) => {
  const { email } = await signUp(page);
  const name = unique("phone");
  await reserveName(page, name);
  await page.setViewportSize(PHONE);
  await page.goto("/names");

  const row = page.getByRole("table", { name: "Your names" }).getByRole("row", { name });
  await expectCard(row, ["Status", "Access", "Last seen", "Requests 24 h"]);
  await expect(row.getByRole("link", { name: "Public" })).toBeInViewport({ ratio: 1 });
  await expect(row.getByRole("button", { name: `Release ${name}` })).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: "test-results/phone-names.png", fullPage: true });
  await expectAccessible(page, "/names on a phone");

  // Admin → All names: the owner too.
  await page.context().clearCookies();
  await signIn(page, burrow.adminEmail, burrow.adminPassword);
  await page.goto(`/admin/names?q=${encodeURIComponent(name)}`);
  const adminRow = page.getByRole("table", { name: "All reserved names" }).getByRole("row", { name });
  await expectCard(adminRow, ["Owner", "Status", "Access", "Last seen", "Requests 24 h"]);
  await expect(adminRow.locator("td[data-label=Owner]")).toHaveText(email);
  await expect(adminRow.getByRole("button", { name: `Release ${name}` })).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: "test-results/phone-admin-names.png", fullPage: true });
  await expectAccessible(page, "/admin/names on a phone");
});
