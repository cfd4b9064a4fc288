import type { Page } from "@playwright/test";
import { createDb } from "../lib/db.ts";
import { resetPassword } from "../lib/users/service.ts";
import { describeUserAgent } from "../lib/web/user-agent.ts";
import {
  expect,
  PASSWORD,
  postCredentials,
  signIn,
  signUp,
  signUpQuietly,
  test,
  unique,
} from "./support/fixtures.ts";

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Five wrong passwords, then the sign-in form says to wait. */
async function lockOut(page: Page, email: string): Promise<void> {
  await page.goto("/login");
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
  await expect(signInForm.getByRole("alert")).toHaveText(
    /^Too many attempts, try again in about 1[45] minutes$/,
  );
}

test("a signed-out visitor is sent to the sign-in page, and back to their page once signed in", async ({
  page,
  browser,
}) => {
  const { email } = await signUp(await browser.newPage());
  await page.goto("/names?from=link");
  // The way back is a path on this site, not the address the dashboard listens on.
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fnames%3Ffrom%3Dlink$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  // The tab shows Burrow's icon, served to signed-out visitors too.
  const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(icon).toMatch(/^\/icon\.svg/);
  const response = await page.request.get(icon ?? "");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("image/svg+xml");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/names\?from=link$/);
  await expect(page.getByRole("heading", { name: "Names", exact: true })).toBeVisible();
});

test("the other names people type for sign-in and sign-up lead to those pages", async ({ page }) => {
  for (const [typed, expected] of [
    ["/signin", "/login"],
    ["/sign-in", "/login"],
    ["/register", "/signup"],
    ["/sign-up", "/signup"],
  ] as const) {
    await page.goto(typed);
    // Not /login?callbackUrl=/signin, which would lead to a 404 once signed in.
    await expect(page).toHaveURL(new RegExp(`${expected}$`));
  }
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
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
  // Long enough by count, but spaces alone.
  await page.getByLabel("Password").fill(" ".repeat(10));
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("A password cannot be only spaces")).toBeVisible();

  const email = `${unique("signup")}@e2e.test`;
  await signUp(page, email);
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();

  await signOut(page);
  await signIn(page, email, PASSWORD);
});

test("a wrong password gets one clear message, and repeated failures are throttled", async ({ page }) => {
  const { email } = await signUp(page);
  await signOut(page);
  await lockOut(page, email);
});

test("Auth.js's own sign-in endpoint counts wrong passwords with the form and is locked out with it", async ({
  page,
  browser,
}) => {
  // The endpoint a script would call instead of the form (POST /api/auth/callback/credentials).
  const { email } = await signUpQuietly(await browser.newPage());
  const signedIn = async () =>
    (await page.context().cookies()).some((cookie) => cookie.name.endsWith("authjs.session-token"));
  for (let attempt = 1; attempt <= 5; attempt++)
    await postCredentials(page, email, `wrong password ${attempt}`);
  expect(await signedIn()).toBe(false);
  // Locked out there, the right password no longer signs in, by the endpoint or by the form.
  await postCredentials(page, email, PASSWORD);
  expect(await signedIn()).toBe(false);
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
    /^Too many attempts, try again in about 1[45] minutes$/,
  );
  expect(await signedIn()).toBe(false);
});

test("a locked-out account signs in with the new password an admin sets, on the dashboard or the CLI", async ({
  page,
  browser,
  burrow,
}) => {
  const { email } = await signUp(page);
  await signOut(page);
  await lockOut(page, email);

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, burrow.adminEmail, burrow.adminPassword);
  await admin.goto(`/admin/users?q=${encodeURIComponent(email)}`);
  await admin.getByRole("button", { name: `Set password for ${email}` }).click();
  const dialog = admin.getByRole("dialog", { name: `Set a new password for ${email}?` });
  await dialog.getByLabel("New password").fill("set by the admin 42");
  await dialog.getByRole("button", { name: "Set password" }).click();
  await expect(dialog).toBeHidden();
  await adminContext.close();
  await signIn(page, email, "set by the admin 42");
  await signOut(page);

  // `burrow user password` runs in another process than the dashboard, as this test does.
  await lockOut(page, email);
  const db = createDb(burrow.databaseUrl, { max: 1, applicationName: "burrow-e2e-auth" });
  try {
    await resetPassword(db, email, "set on the server 42");
  } finally {
    await db.$disconnect();
  }
  await signIn(page, email, "set on the server 42");
});

test("signing up again: another password is told the email is taken, the same one is signed in", async ({
  page,
  browser,
}) => {
  const { email } = await signUp(page);
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await page2.goto("/signup");
  await page2.getByLabel("Email").fill(email);
  await page2.getByLabel("Password").fill("some other password");
  await page2.getByRole("button", { name: "Create account" }).click();
  await expect(page2.getByText("An account with this email already exists")).toBeVisible();
  // Whoever created it (a sign-up whose sign-in failed, a second click): nothing to do but go in.
  await page2.getByLabel("Password").fill(PASSWORD);
  await page2.getByRole("button", { name: "Create account" }).click();
  await expect(page2.getByRole("heading", { name: "Overview" })).toBeVisible();
  await other.close();
});

test("sign-out sticks even when a response that was in flight lands after it", async ({ page, context }) => {
  await signUp(page);
  // The API's answers leave the cookie alone: only the route reads the session (proxy.ts).
  const polled = await page.request.get("/api/names");
  expect(polled.status()).toBe(200);
  expect(polled.headers()["set-cookie"]).toBeUndefined();
  // A second tab loads a page (a prefetch, a refresh). Its response is held until the first tab
  // has signed out: Auth.js re-sends the session cookie on every authenticated page it gates, so
  // this late one puts the cookie back in the browser. (The API's answers do not: proxy.ts.)
  const other = await context.newPage();
  await other.goto("/keys");
  let fetched: () => void = () => {};
  const inFlight = new Promise<void>((resolve) => {
    fetched = resolve;
  });
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await other.route("**/names", async (route) => {
    const response = await route.fetch();
    fetched();
    await held;
    await route.fulfill({ response });
  });
  const late = other.evaluate(() => fetch("/names").then((r) => r.status));
  await inFlight;

  await signOut(page);
  release();
  expect(await late).toBe(200);
  const cookies = await context.cookies();
  expect(
    cookies.some((c) => c.name.endsWith("authjs.session-token")),
    "the late response brought the session cookie back",
  ).toBe(true);

  // The cookie is back, but the session it names has ended: still signed out, everywhere.
  await page.goto("/names");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect((await page.request.get("/api/names")).status()).toBe(401);
});

test("a user changes their password on the account page; their other browsers are signed out", async ({
  page,
  browser,
}) => {
  const { email } = await signUp(page);
  const laptop = await browser.newContext();
  const laptopPage = await laptop.newPage();
  await signIn(laptopPage, email, PASSWORD);

  await page.getByRole("link", { name: email }).click();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  const form = page.getByRole("form", { name: "Change password" });
  const newPassword = "a brand new passphrase";
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill(newPassword);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That is not your current password")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("short");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Use at least 10 characters")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(newPassword);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. Your other browsers were signed out.")).toBeVisible();

  await laptopPage.goto("/names");
  await expect(laptopPage).toHaveURL(/\/login/);
  await page.goto("/keys");
  await expect(page.getByRole("heading", { name: "SSH keys", level: 1 })).toBeVisible();

  await signOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
    "Wrong email or password",
  );
  await signIn(page, email, newPassword);
  await laptop.close();
});

test("the account page lists signed-in browsers, and signs out one or all of the others", async ({
  page,
  browser,
}) => {
  const { email } = await signUp(page);
  const others = await Promise.all([browser.newContext(), browser.newContext()]);
  const [laptop, phone] = await Promise.all(others.map((context) => context.newPage()));
  await signIn(laptop!, email, PASSWORD);

  await page.goto("/account");
  const list = page.getByRole("list", { name: "Signed-in browsers" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  await expect(list.getByText("This browser")).toHaveCount(1);
  const userAgent = await page.evaluate(() => navigator.userAgent);
  await expect(list.getByRole("listitem").first()).toContainText(
    `${describeUserAgent(userAgent)}This browser`,
  );
  await list.getByRole("button", { name: /^Sign out .+/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign it out" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await laptop!.goto("/names");
  await expect(laptop!).toHaveURL(/\/login/);

  await signIn(laptop!, email, PASSWORD);
  await signIn(phone!, email, PASSWORD);
  await page.reload();
  await expect(list.getByRole("listitem")).toHaveCount(3);
  await page.getByRole("button", { name: "Sign out all other browsers" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Sign them out" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  for (const other of [laptop!, phone!]) {
    await other.goto("/keys");
    await expect(other).toHaveURL(/\/login/);
  }
  await page.goto("/keys");
  await expect(page.getByRole("heading", { name: "SSH keys", level: 1 })).toBeVisible();
  await Promise.all(others.map((context) => context.close()));
});
