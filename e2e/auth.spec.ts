import type { Page } from "@playwright/test";
import { expect, PASSWORD, signIn, signUp, test, unique } from "./support/fixtures.ts";

/**
 * Signs out once the page's own requests (link prefetches, polling) have finished. Known bug, not
 * fixed yet: every authenticated response re-sets the session cookie (Auth.js rolls it), so one
 * that lands after the sign-out's response signs the user back in. Until sign-out revokes sessions
 * on the server, this test waits so that it checks sign-up and sign-in, not that race.
 */
async function signOutWhenSettled(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

test("a signed-out visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/names");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("sign-up shows field errors, then creates the account and signs in", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter a valid email address, e.g. you@example.com")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters")).toBeVisible();
  // The email is kept for correction; the password is not sent back.
  await expect(page.getByLabel("Email")).toHaveValue("not-an-email");

  const email = `${unique("signup")}@e2e.test`;
  await signUp(page, email);
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();

  await signOutWhenSettled(page);
  await signIn(page, email, PASSWORD);
});

test("a wrong password gets one clear message, and repeated failures are throttled", async ({ page }) => {
  const { email } = await signUp(page);
  await signOutWhenSettled(page);

  const signInForm = page.getByRole("form", { name: "Sign in" });
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`wrong password ${attempt}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The form clears the password once the server has answered: only then is this attempt counted.
    await expect(page.getByLabel("Password")).toHaveValue("");
    await expect(signInForm.getByRole("alert")).toHaveText("Wrong email or password");
  }
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(signInForm.getByRole("alert")).toHaveText(/Too many attempts, try again in \d+ seconds/);
});

test("duplicate email is refused under the field", async ({ page, browser }) => {
  const { email } = await signUp(page);
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await page2.goto("/signup");
  await page2.getByLabel("Email").fill(email);
  await page2.getByLabel("Password").fill(PASSWORD);
  await page2.getByRole("button", { name: "Create account" }).click();
  await expect(page2.getByText("An account with this email already exists")).toBeVisible();
  await other.close();
});
