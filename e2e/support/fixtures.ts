import { test as base, expect, type Page } from "@playwright/test";
import { createDb, type Db } from "../../lib/db.ts";
import { createUser } from "../../lib/users/service.ts";
import { type BurrowUnderTest, burrowUnderTest } from "./burrow-env.ts";

export { expect };

let counter = 0;

/** A name/email fragment unique across specs and runs: e2e-<time>-<n>. */
export function unique(prefix = "e2e"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${process.pid.toString(36)}${counter}`;
}

export const PASSWORD = "correct horse battery";

export const test = base.extend<{ burrow: BurrowUnderTest }>({
  // Playwright reads fixture dependencies from the destructuring pattern; these have none.
  // biome-ignore lint/correctness/noEmptyPattern: required shape for a Playwright fixture
  burrow: async ({}, use) => {
    await use(burrowUnderTest());
  },
  // biome-ignore lint/correctness/noEmptyPattern: required shape for a Playwright fixture
  baseURL: async ({}, use) => {
    await use(burrowUnderTest().dashboardUrl);
  },
});

/** Signs up a new account through the form and waits for the overview. */
export async function signUp(page: Page, email = `${unique("user")}@e2e.test`, password = PASSWORD) {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  return { email, password };
}

let accounts: Db | undefined;

/** One small connection pool per worker to the suite's database, for accounts, keys and names. */
export function suiteDb(): Db {
  accounts ??= createDb(burrowUnderTest().databaseUrl, { max: 1, applicationName: "burrow-e2e-fixtures" });
  return accounts;
}

/**
 * A new account, made in the database and signed in on `page`'s context (signInQuietly), without
 * the sign-up and overview pages (auth.spec.ts and others check those): for specs about what a
 * signed-in user does. Nothing is loaded in `page`; the caller goes where it needs.
 */
export async function signUpQuietly(page: Page, email = `${unique("user")}@e2e.test`, password = PASSWORD) {
  const { id } = await createUser(suiteDb(), { email, password });
  await signInQuietly(page, email, password);
  return { id, email, password };
}

/**
 * Signs `page`'s context in through Auth.js's own endpoint, as the sign-in form's action ends up
 * doing, without loading the sign-in page or the overview it leads to.
 */
export async function signInQuietly(page: Page, email: string, password: string) {
  const answer = await postCredentials(page, email, password);
  // Auth.js redirects either way: to the callback when signed in, to the sign-in page when not.
  const cookies = await page.context().cookies();
  expect(
    cookies.some((c) => c.name.endsWith("authjs.session-token")),
    `signed in as ${email} (answered ${answer.status()}, to ${answer.headers().location})`,
  ).toBe(true);
}

/**
 * Posts an email and password to Auth.js's credentials endpoint on `page`'s context, as a script
 * would (no sign-in page), and returns its answer unfollowed; a right password sets the cookie.
 */
export async function postCredentials(page: Page, email: string, password: string) {
  const { csrfToken } = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  return page.request.post("/api/auth/callback/credentials", {
    form: { email, password, csrfToken, callbackUrl: "/" },
    maxRedirects: 0,
  });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/** Reserves a name on the names page. */
export async function reserveName(page: Page, name: string) {
  await page.goto("/names");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(page.getByText(`${name} is available`)).toBeVisible();
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
}

/** Adds an SSH public key on /keys (with a label when given) and waits for it in the list. */
export async function addKey(page: Page, key: { publicKey: string; fingerprint: string }, label?: string) {
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  if (label !== undefined) await page.getByLabel("Label").fill(label);
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: key.fingerprint })).toBeVisible();
}

/**
 * On a phone the page fits the screen: long words and wide tables wrap or scroll in their own boxes,
 * never the whole page. Polled: a chart keeps its desktop width until its ResizeObserver has run.
 */
export async function expectFitsPhone(page: Page) {
  const desktop = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 800 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  if (desktop) await page.setViewportSize(desktop);
}
