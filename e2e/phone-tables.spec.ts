import type { Locator } from "@playwright/test";
import { withDatabase } from "../lib/testing/with-database.ts";
import { expectAccessible } from "./support/axe.ts";
import {
  expect,
  expectFitsPhone,
  reserveName,
  signIn,
  signUpQuietly,
  test,
  unique,
} from "./support/fixtures.ts";

const PHONE = { width: 390, height: 844 };

/**
 * The row is a card on screen, each cell saying its column (the labels are CSS content, which
 * getByText does not see): nothing hides behind a sideways scroll.
 */
async function expectCard(row: Locator, labels: string[]) {
  // evaluateAll does not wait: a page still loading would read as a row without cells.
  await expect(row).toBeVisible();
  const cells = row.locator("td[data-label]");
  const shown = await cells.evaluateAll((tds) => tds.map((td) => getComputedStyle(td, "::before").content));
  expect(shown).toEqual(labels.map((label) => JSON.stringify(label)));
  for (const cell of await cells.all()) await expect(cell).toBeInViewport({ ratio: 1 });
  const box = await row.boundingBox();
  expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
}

test("on a phone each name, each request in its log and each connected tunnel is a card showing every column", async ({
  page,
  burrow,
}) => {
  // Five pages, two of them checked with axe, as two users: over a minute on a slow 2-core machine.
  test.setTimeout(120_000);
  const { email } = await signUpQuietly(page);
  const name = unique("phone");
  await reserveName(page, name);
  await page.setViewportSize(PHONE);
  await page.goto("/names");

  const row = page.getByRole("table", { name: "Your names" }).getByRole("row", { name });
  await expectCard(row, ["Status", "Access", "Last seen", "Requests 24 h"]);
  const access = row.getByRole("link", { name: "Public" });
  await expect(access).toBeInViewport({ ratio: 1 });
  // Big enough to tap (WCAG 2.5.8: 24 px).
  expect((await access.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(24);
  await expect(row.getByRole("button", { name: `Release ${name}` })).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: "test-results/phone-names.png", fullPage: true });
  await expectAccessible(page, "/names on a phone");

  // The request log: each request a card with its whole path, not nine columns 45 px wide.
  const path = "/json/orders/2026-12-05/items?page=2&include=customer,shipping-address";
  const userAgent =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
  const headers = [
    ["access-control-request-headers", "content-type, x-requested-with"],
    ["user-agent", userAgent],
  ];
  await withDatabase(burrow.databaseUrl, (client) =>
    client.query(
      `INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip, request_headers)
       VALUES ($1, 'PROPFIND', $2, 207, 12.3, '203.0.113.9', $3)`,
      [name, path, JSON.stringify(headers)],
    ),
  );
  await page.goto(`/tunnels/${name}`);
  const request = page
    .getByRole("table", { name: `Requests to ${name}, newest first` })
    .getByRole("row")
    .filter({ hasText: "PROPFIND" });
  await request.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/phone-request-log.png" });
  for (const text of ["PROPFIND", "207", path, "12 ms", "Public"]) {
    await expect(request.getByText(text, { exact: true })).toBeInViewport({ ratio: 1 });
  }
  await expect(request.locator("time")).toBeInViewport({ ratio: 1 });
  // Wrapped, not cut short with an ellipsis.
  const pathCell = request.getByText(path, { exact: true });
  expect(await pathCell.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
  const card = await request.boundingBox();
  expect((card?.x ?? 0) + (card?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
  await pathCell.click();
  await expect(page.getByText("What happened")).toBeVisible();
  // The details take the card's width (less its padding), not a part of the screen.
  const detailsCell = page.locator(`tr[id^="request-"] > td:visible`);
  const details = detailsCell.locator("dl");
  const [cellBox, detailsBox] = [await detailsCell.boundingBox(), await details.boundingBox()];
  expect(detailsBox?.width ?? 0).toBeGreaterThanOrEqual((cellBox?.width ?? 0) - 24);
  // A header's value has the width of the list below its name, not what a long name leaves of it.
  const headerList = page.getByRole("table", { name: "Request headers" });
  const value = headerList.getByRole("row", { name: /^user-agent/ }).getByRole("cell");
  await value.scrollIntoViewIfNeeded();
  const [listBox, valueBox] = [await headerList.boundingBox(), await value.boundingBox()];
  expect(valueBox?.width ?? 0).toBeGreaterThanOrEqual((listBox?.width ?? 0) * 0.85);
  await expectAccessible(page, "/tunnels/<name> on a phone");

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

  // Admin → Relay & tunnels: a connected tunnel. Its session row stands in for a real ssh client (the
  // table reads only the row, and a tunnel would cost seconds); the relay's sweep leaves rows younger
  // than a stale heartbeat alone, then closes it as abandoned.
  const from = "2001:db8:85a3:1234:5678:8a2e:370:7334";
  await withDatabase(burrow.databaseUrl, (client) =>
    client.query(
      `INSERT INTO tunnel_sessions (id, name, user_id, client_ip, requests, bytes_out)
       SELECT $1, $2, id, $3, 1234, 5678 FROM users WHERE email = $4`,
      [unique("session"), name, from, email],
    ),
  );
  await page.goto("/admin");
  const tunnelRow = page.getByRole("table", { name: "Connected tunnels" }).getByRole("row", { name });
  // The last card on the page, below the fold of a phone.
  await tunnelRow.scrollIntoViewIfNeeded();
  await expectCard(tunnelRow, ["User", "From", "Since", "Requests / out"]);
  await expect(tunnelRow.locator("td[data-label=User]")).toHaveText(email);
  await expect(tunnelRow.locator("td[data-label=From]")).toHaveText(from);
  await expect(tunnelRow.locator("td[data-label=Since] time")).toBeInViewport({ ratio: 1 });
  await expect(tunnelRow.locator("td[data-label='Requests / out']")).toHaveText("1,234 / 5.7 kB");
  await expect(tunnelRow.getByRole("button", { name: `Disconnect ${name}` })).toBeInViewport({ ratio: 1 });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
    .toBeLessThanOrEqual(PHONE.width);
  await page.screenshot({ path: "test-results/phone-admin-tunnels.png", fullPage: true });
});

test("on a phone the log's custom time range shows each end's whole date and time", async ({ page }) => {
  await signUpQuietly(page);
  const name = unique("phone-range");
  await reserveName(page, name);
  // A Pixel 5's viewport, where the two ends side by side were ~155 px each: "12/07/2026, 1▯".
  await page.setViewportSize({ width: 393, height: 851 });
  await page.goto(`/tunnels/${name}?from=2026-07-12T13:45:00.000Z&to=2026-07-12T23:59:00.000Z`);
  for (const label of ["From (your time)", "To (your time)"]) {
    const field = page.getByLabel(label);
    await expect(field).not.toHaveValue("");
    await field.scrollIntoViewIfNeeded();
    await expect(field).toBeInViewport({ ratio: 1 });
    // Its width holds the value as this browser writes it, and the picker's icon. (Its scrollWidth
    // says nothing here: Chromium clips a date field's editor without making it scroll.)
    const needed = await field.evaluate((input) => {
      const probe = document.createElement("span");
      const style = getComputedStyle(input);
      probe.style.font = style.font;
      probe.style.position = "absolute";
      probe.style.whiteSpace = "pre";
      const value = new Date((input as HTMLInputElement).value);
      probe.textContent = value.toLocaleString(undefined, {
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      });
      document.body.append(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      return width + Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight) + 24;
    });
    expect((await field.boundingBox())?.width ?? 0).toBeGreaterThanOrEqual(needed);
  }
  await expectFitsPhone(page);
});
