import type { Locator } from "@playwright/test";
import { expect, signUp, test } from "./support/fixtures.ts";
import { generateKey } from "./support/ssh.ts";

// Someone on the keyboard alone (or a screen reader) presses a control and keeps their place: the
// focus never drops to <body>, which sends them back to the top of the page. Each test is its own
// account, so they run side by side (each up to 2 min on a slow 2-core machine running two workers).
test.describe.configure({ mode: "parallel", timeout: 120_000 });

/** Moves the keyboard's focus to a control and presses Enter on it, as Tab and Enter would. */
async function pressEnterOn(control: Locator) {
  await control.focus();
  await expect(control).toBeFocused();
  await control.press("Enter");
}

test("a button pressed with Enter keeps the focus while its action runs and after", async ({
  page,
  burrow,
}) => {
  await signUp(page);
  const key = await generateKey(burrow.scratchDir);
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  const add = page.getByRole("button", { name: "Add key" });
  await pressEnterOn(add);
  await expect(page.getByRole("status").filter({ hasText: "Added “e2e@test”" })).toBeVisible();
  // While it ran the button was busy (aria-disabled), not disabled: a disabled button loses focus.
  await expect(add).toBeFocused();
});
