import { devices, type Page } from "@playwright/test";
import { expect, reserveName, signUpQuietly, test, unique } from "./support/fixtures.ts";

// The phone's screen, touch and user agent; the browser stays the configured Chromium (a device's
// defaultBrowserType would ask for WebKit, which is not installed here).
const { defaultBrowserType: _webkit, ...iPhone } = devices["iPhone 13"];
test.use(iPhone);

/**
 * Fields a visitor types into, with their font size: iOS Safari zooms the page in when one under
 * 16 px gets the focus (and leaves it zoomed), so each tap into a form threw the layout sideways.
 */
async function smallFields(page: Page): Promise<string[]> {
  await expect(page.locator("input:not([type=hidden])").first()).toBeVisible();
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("input, select, textarea")]
      .filter((field) => {
        const type = field.getAttribute("type");
        return !["hidden", "checkbox", "radio", "file"].includes(type ?? "") && field.offsetParent !== null;
      })
      .map((field) => `${field.id || field.getAttribute("name")}: ${getComputedStyle(field).fontSize}`)
      .filter((line) => Number.parseFloat(line.split(": ")[1] ?? "0") < 16),
  );
}

test("on a phone every field is at least 16 px (iOS does not zoom), and the log filters neither capitalise nor correct", async ({
  page,
}) => {
  await page.goto("/signup");
  expect(await smallFields(page)).toEqual([]);
  await signUpQuietly(page);
  const name = unique("fields");
  await reserveName(page, name);
  expect(await smallFields(page)).toEqual([]);
  for (const path of [`/tunnels/${name}`, `/tunnels/${name}/access`, "/account"]) {
    await page.goto(path);
    expect(await smallFields(page), path).toEqual([]);
    if (path !== `/tunnels/${name}`) continue;
    // The log's filters take paths, headers and bodies: a phone must not capitalise or "correct"
    // what is typed there (an autocorrected word finds nothing).
    for (const label of ["Path contains", "Headers contain", "Bodies contain"]) {
      const field = page.getByLabel(label, { exact: true });
      await expect(field, label).toHaveAttribute("autocapitalize", "none");
      await expect(field, label).toHaveAttribute("autocorrect", "off");
      await expect(field, label).toHaveAttribute("spellcheck", "false");
    }
  }
});

test("on a plain-http dashboard (no Clipboard API), Copy still copies the public URL", async ({ page }) => {
  // A dashboard opened at http://<LAN address> is no secure context: browsers leave
  // navigator.clipboard undefined there. The button used to answer "Select it" on a line that
  // scrolls sideways, which a phone can hardly select.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
    document.addEventListener("copy", () => {
      (window as unknown as { copied: string[] }).copied ??= [];
      (window as unknown as { copied: string[] }).copied.push(String(document.getSelection()));
    });
  });
  await signUpQuietly(page);
  const name = unique("copy");
  await reserveName(page, name);
  await page.goto(`/tunnels/${name}`);
  const copy = page.getByRole("button", { name: "Copy public URL" });
  await copy.click();
  await expect(copy).toHaveText("Copied");
  const url = await page.getByRole("link", { name: new RegExp(`^https?://${name}\\.`) }).textContent();
  expect(await page.evaluate(() => (window as unknown as { copied?: string[] }).copied)).toEqual([url]);
  // The focus stays on the button (the copy goes through a hidden field for a moment).
  await expect(copy).toBeFocused();
});
