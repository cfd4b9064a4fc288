import type { Locator, Page } from "@playwright/test";
import { expectAccessible } from "./support/axe.ts";
import { expect, reserveName, signIn, signUpQuietly, test, unique } from "./support/fixtures.ts";

// The tests here are independent (each signs in as its own account, or the admin to read) and long:
// two workers take them side by side.
test.describe.configure({ mode: "parallel" });

/** The page's background as the browser paints it in each colour scheme. */
async function backgrounds(page: Page): Promise<Record<"light" | "dark", string>> {
  const read = async (colorScheme: "light" | "dark") => {
    await page.emulateMedia({ colorScheme });
    return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  };
  const light = await read("light");
  const dark = await read("dark");
  await page.emulateMedia({ colorScheme: null });
  return { light, dark };
}

test("the dashboard and the relay's pages turn dark when the system is", async ({ page, burrow }) => {
  await page.goto("/login");
  const dashboard = await backgrounds(page);
  expect(dashboard.dark).not.toEqual(dashboard.light);
  // Phone browsers colour their bars to match.
  await expect(
    page.locator('meta[name="theme-color"][media="(prefers-color-scheme: dark)"]'),
  ).toHaveAttribute("content", "#09090b");
  await page.goto(`http://${unique("nosuch")}.localhost:${burrow.httpPort}/`);
  expect(await backgrounds(page)).toEqual({ light: "rgb(250, 250, 250)", dark: "rgb(9, 9, 11)" });

  // What axe does not see: the skip link only shows while focused (the first Tab on a page).
  await signUpQuietly(page);
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto("/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    expect(await contrastOf(skip), `skip link, ${colorScheme}`).toBeGreaterThanOrEqual(4.5);
  }
});

/** WCAG's contrast ratio of an element's text colour against its own background. */
async function contrastOf(locator: Locator): Promise<number> {
  return locator.evaluate((element) => {
    // The browser converts any CSS colour (Tailwind's are oklch) when it paints one pixel.
    const context = document.createElement("canvas").getContext("2d")!;
    const luminance = (color: string) => {
      context.fillStyle = color;
      context.fillRect(0, 0, 1, 1);
      const [r, g, b] = [...context.getImageData(0, 0, 1, 1).data].map((v) => {
        const c = v / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const style = getComputedStyle(element);
    const [lighter, darker] = [luminance(style.color), luminance(style.backgroundColor)].sort(
      (a, b) => b - a,
    );
    return (lighter! + 0.05) / (darker! + 0.05);
  });
}

// Each check runs in both colour schemes (expectAccessible), so the pages are split over two tests
// that run side by side. The relay's password and share-link pages are checked where
// sharing.spec.ts shows them.
test("the sign-in, sign-up and admin pages pass axe's WCAG 2.1 AA checks", async ({ page, burrow }) => {
  test.setTimeout(120_000);
  await page.goto("/login");
  await expectAccessible(page, "/login");
  await page.goto("/signup");
  await expectAccessible(page, "/signup");
  await signIn(page, burrow.adminEmail, burrow.adminPassword);
  for (const path of ["/admin", "/admin/names", "/admin/users"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await expectAccessible(page, path);
  }
});

test("every page of a user's dashboard, and the relay's offline and 404 pages, pass axe's WCAG 2.1 AA checks", async ({
  page,
  burrow,
}) => {
  // A long walk, each page checked light and dark (up to 3 min on a slow 2-core machine running two
  // workers).
  test.setTimeout(240_000);
  await signUpQuietly(page);
  const name = unique("a11y");
  await reserveName(page, name);
  // A visit while the tunnel is down: a 503 in its log, so the overview lists a recent error (its
  // path longer than the name, so axe reads the row as running text with a link in it).
  const visitor = await page.context().newPage();
  await visitor.goto(`http://${name}.localhost:${burrow.httpPort}/reports/2026/december/summary?view=full`);
  await expect(visitor.getByRole("heading", { name: "Tunnel offline" })).toBeVisible();
  await expectAccessible(visitor, "the relay's offline page");
  await visitor.goto(`http://${unique("nosuch")}.localhost:${burrow.httpPort}/`);
  await expectAccessible(visitor, "the relay's 404 page");

  // The overview with that error listed (its name links to the log).
  await page.goto("/");
  await expect(page.getByRole("link", { name, exact: true }).first()).toBeVisible();
  await expectAccessible(page, "/ with a recent error");
  for (const path of [
    "/names",
    "/keys",
    "/account",
    `/tunnels/${name}`,
    `/tunnels/${name}/access`,
    "/nowhere",
  ]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await expectAccessible(page, path);
  }

  // The traffic chart is named, and the keyboard starts at its newest minute (the right end).
  await page.goto(`/tunnels/${name}`);
  const chart = page.getByRole("application", { name: `Requests per minute for ${name}` });
  await chart.focus();
  // The cursor is a vertical line (no box to measure): read its x from its path, "M<x>,<y>L…".
  const cursor = page.locator(".recharts-tooltip-cursor");
  const cursorX = async () => Number((await cursor.getAttribute("d"))?.match(/^M([\d.]+),/)?.[1]);
  await expect(cursor).toBeAttached();
  const newest = await cursorX();
  expect(newest).toBeGreaterThan(Number(await chart.getAttribute("width")) * 0.75);
  await chart.press("ArrowLeft");
  await expect.poll(cursorX).toBeLessThan(newest);

  // What opens within a page: a request's details in the log, and a confirmation dialog.
  await page.getByRole("button", { name: /^Details of GET \/reports/ }).click();
  await expect(page.getByText("No ssh client was connected for this name")).toBeVisible();
  await expectAccessible(page, "a request's details");
  await page.goto("/names");
  await page.getByRole("button", { name: `Release ${name}` }).click();
  await expect(page.getByRole("dialog", { name: `Release ${name}?` })).toBeVisible();
  await expectAccessible(page, "the release dialog");
  await page.getByRole("button", { name: "Cancel" }).click();
});

test("a tunnel page for a name that is not the user's is titled Not found, as its page says", async ({
  page,
}) => {
  await signUpQuietly(page);
  // A screen reader says the title first: a 404 titled as the tunnel reads as the tunnel's page.
  const name = unique("notmine");
  for (const path of [`/tunnels/${name}`, `/tunnels/${name}/access`]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(page).toHaveTitle("Not found · Burrow");
  }
  await reserveName(page, name);
  await page.goto(`/tunnels/${name}/access`);
  await expect(page).toHaveTitle(`Access · ${name} · Burrow`);
});

test("the traffic summary, which a busy tunnel changes every few seconds, is not announced each time", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const name = unique("chatty");
  await reserveName(page, name);
  const visitor = await page.context().newPage();
  await visitor.goto(`http://${name}.localhost:${burrow.httpPort}/`);
  await visitor.close();
  await page.goto(`/tunnels/${name}`);
  const summary = page.getByTestId("traffic-summary");
  await expect(summary).toContainText("in the last hour");
  // Neither it nor anything around it is a live region: it is read where it stands.
  const live = await summary.evaluate(
    (element) => element.closest('[aria-live], [role="status"], [role="alert"], [role="log"]') !== null,
  );
  expect(live).toBe(false);
});
