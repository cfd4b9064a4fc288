import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Route } from "@playwright/test";
import { expect, PASSWORD, signUp, signUpQuietly, test, unique } from "./support/fixtures.ts";
import { generateKey } from "./support/ssh.ts";

const UNREACHABLE =
  "Could not reach Burrow: check your connection (or whether Burrow is running), then try again.";

/**
 * Makes the page's form posts (Next's server actions: a POST with a Next-Action header) fail as
 * `fail` says, until the returned function is called; everything else goes through.
 */
async function breakFormPosts(
  page: Page,
  fail: (route: Route) => Promise<void>,
): Promise<() => Promise<void>> {
  const handler = (route: Route) =>
    route.request().method() === "POST" && route.request().headers()["next-action"]
      ? fail(route)
      : route.fallback();
  await page.route("**/*", handler);
  return () => page.unroute("**/*", handler);
}

test("a form sent while Burrow cannot be reached says so beside the form, keeps what was typed, and goes through later", async ({
  page,
}) => {
  await signUpQuietly(page);
  const key = await generateKey(await mkdtemp(join(tmpdir(), "burrow-e2e-lost-")));
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByLabel("Label").fill("laptop while offline");

  const repair = await breakFormPosts(page, (route) => route.abort("connectionrefused"));
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByText(UNREACHABLE)).toBeVisible();
  // Still the form, as typed: not the page's error screen with everything gone.
  await expect(page.getByText("Something went wrong")).toHaveCount(0);
  await expect(page.getByLabel("Public key")).toHaveValue(key.publicKey);
  await expect(page.getByLabel("Label")).toHaveValue("laptop while offline");

  // Something in front of Burrow answering with its own error page (a proxy's 502).
  await repair();
  const repairProxy = await breakFormPosts(page, (route) =>
    route.fulfill({ status: 502, contentType: "text/html", body: "<h1>502 Bad Gateway</h1>" }),
  );
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByText("Burrow did not answer properly (it may be restarting).")).toBeVisible();
  await expect(page.getByLabel("Public key")).toHaveValue(key.publicKey);

  await repairProxy();
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "laptop while offline" })).toContainText(
    key.fingerprint,
  );
  await expect(page.getByText(UNREACHABLE)).toHaveCount(0);
});

test("signing in while Burrow cannot be reached keeps the email and says why", async ({
  page: signedUp,
  browser,
  baseURL,
}) => {
  const { email } = await signUp(signedUp);
  // Another browser, signed out.
  const page = await (await browser.newContext({ baseURL })).newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  const repair = await breakFormPosts(page, (route) => route.abort("connectionrefused"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(UNREACHABLE)).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);

  await repair();
  // The password is cleared after any failed attempt, as after a wrong one.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.context().close();
});

test("a name reserved while Burrow cannot be reached stays typed", async ({ page }) => {
  await signUpQuietly(page);
  await page.goto("/names");
  const name = unique("lost").replaceAll("-", "");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(page.getByText(`${name} is available`)).toBeVisible();
  const repair = await breakFormPosts(page, (route) => route.abort("connectionrefused"));
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByText(UNREACHABLE)).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(name);
  await repair();
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByText(`Reserved ${name}.`)).toBeVisible();
});
