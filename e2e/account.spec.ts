import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, PASSWORD, reserveName, signUp, test, unique } from "./support/fixtures.ts";
import { generateKey, startLocalApp, startTunnel, type Tunnel } from "./support/ssh.ts";

test("a user deletes their account: the password is asked, a live tunnel must stop first, then all of it is gone", async ({
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
    const { email } = await signUp(page);
    await page.goto("/keys");
    await page.getByLabel("Public key").fill(key.publicKey);
    await page.getByRole("button", { name: "Add key" }).click();
    await expect(page.getByRole("listitem").filter({ hasText: key.fingerprint })).toBeVisible();
    const name = unique("leave");
    await reserveName(page, name);
    tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
    await expect(page.getByTestId(`status-${name}`)).toHaveText("Online", { timeout: 20_000 });

    await page.goto("/account");
    const form = page.getByRole("form", { name: "Delete account" });
    // What goes is said before anything happens: the names by name.
    await expect(form).toContainText(`Your names (${name}) are released`);
    await form.getByLabel("Your password").fill("not my password");
    await form.getByRole("button", { name: "Delete my account" }).click();
    await expect(form.getByText("That is not your current password")).toBeVisible();
    await form.getByLabel("Your password").fill(PASSWORD);
    await form.getByRole("button", { name: "Delete my account" }).click();
    await expect(form.getByRole("alert")).toContainText(
      `${name} is connected right now: stop your tunnels first`,
    );

    // Stopped, the relay ends the session within moments; then the deletion goes through.
    await tunnel.stop();
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

    // The name is free for someone else at once.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await signUp(otherPage);
    await reserveName(otherPage, name);
    await other.close();
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});
