import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  addKey,
  expect,
  PASSWORD,
  reserveName,
  signIn,
  signUp,
  signUpQuietly,
  test,
  unique,
} from "./support/fixtures.ts";
import { generateKey, startLocalApp, startTunnel, type Tunnel } from "./support/ssh.ts";

test("a user deletes their account: a live tunnel must stop first (said up front), the password is asked, then all of it is gone", async ({
  page,
  browser,
  burrow,
}) => {
  test.setTimeout(90_000);
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-account-"));
  const key = await generateKey(dir);
  const app = await startLocalApp("about to leave");
  let tunnel: Tunnel | undefined;
  try {
    const { email } = await signUpQuietly(page);
    await addKey(page, key);
    const name = unique("leave");
    await reserveName(page, name);
    tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
    await expect(page.getByTestId(`status-${name}`)).toHaveText("Online", { timeout: 20_000 });

    await page.goto("/account");
    const form = page.getByRole("form", { name: "Delete account" });
    // What goes is said before anything happens: the names by name.
    await expect(form).toContainText(`Your names (${name}) are released`);
    // So is what stops it, before any password is typed, with nothing to press that could only fail.
    await expect(form.getByRole("status")).toHaveText(
      `${name} is connected right now: stop your tunnels first, then delete your account.`,
    );
    await expect(form.getByLabel("Your password")).toHaveCount(0);
    await expect(form.getByRole("button", { name: "Delete my account" })).toHaveCount(0);

    // Stopped, the relay ends the session within moments; the page then asks for the password.
    await tunnel.stop();
    await expect(async () => {
      await page.reload();
      await expect(form.getByLabel("Your password")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(form.getByRole("status")).toHaveCount(0);
    await form.getByLabel("Your password").fill("not my password");
    await form.getByRole("button", { name: "Delete my account" }).click();
    await expect(form.getByText("That is not your current password")).toBeVisible();
    // A deletion slower than one try's wait (a busy machine) still lands: the next try sees it has
    // and does not look for the form that has gone.
    await expect(async () => {
      if (/\/login\?deleted=1/.test(page.url())) return;
      await form.getByLabel("Your password").fill(PASSWORD);
      await form.getByRole("button", { name: "Delete my account" }).click();
      await expect(page).toHaveURL(/\/login\?deleted=1/, { timeout: 5_000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByText("Your account was deleted.")).toBeVisible();

    // Signed out for good: the dashboard sends this browser to sign in, the password no longer works.
    await page.goto("/names");
    await expect(page).toHaveURL(/\/login/);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
      "Wrong email or password",
    );
    await expect(page).toHaveURL(/\/login/);

    // The name is free for someone else once its log is deleted, in the background: a small log is
    // gone by the time they look.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signUpQuietly(otherPage);
    await reserveName(otherPage, name);
    await other.close();
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});

test("changing the password: the same one is refused; a new one updates the browser list at once", async ({
  page,
  browser,
}) => {
  const { email } = await signUp(page);
  const laptop = await browser.newContext();
  const laptopPage = await laptop.newPage();
  await signIn(laptopPage, email, PASSWORD);

  await page.goto("/account");
  const list = page.getByRole("list", { name: "Signed-in browsers" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const form = page.getByRole("form", { name: "Change password" });

  // The same password again changes nothing: the laptop stays signed in.
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill(PASSWORD);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("That is your current password: choose a new one")).toBeVisible();
  await expect(form.getByText("Password changed")).toHaveCount(0);
  await expect(page.getByText("2 browsers")).toBeVisible();
  await laptopPage.goto("/keys");
  await expect(laptopPage.getByRole("heading", { name: "SSH keys", level: 1 })).toBeVisible();

  // A new one signs the laptop out, and the list says so without a reload.
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill("a brand new passphrase");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. Your other browsers were signed out.")).toBeVisible();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByText("1 browser", { exact: true })).toBeVisible();
  await laptop.close();
});
