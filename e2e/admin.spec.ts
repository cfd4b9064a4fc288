import { mkdtemp } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { withDatabase } from "../lib/testing/with-database.ts";
import { expectAccessible } from "./support/axe.ts";
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
import { generateKey, startLocalApp, startTunnel } from "./support/ssh.ts";

test("an admin disconnects a live tunnel (ssh exits, the owner's page shows offline), then releases its name", async ({
  browser,
  burrow,
}) => {
  test.setTimeout(120_000);
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-admin-"));
  const key = await generateKey(dir);
  const app = await startLocalApp("admin test app");

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  const { email } = await signUpQuietly(user);
  await addKey(user, key);
  const name = unique();
  await reserveName(user, name);
  const tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
  try {
    await user.goto(`/tunnels/${name}`);
    await expect(user.getByTestId("tunnel-status")).toHaveText("Online", { timeout: 20_000 });

    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, burrow.adminEmail, burrow.adminPassword);
    await admin.getByRole("link", { name: "Admin", exact: true }).click();
    await expect(admin.getByRole("heading", { name: "Relay health" })).toBeVisible();
    await expect(admin.getByText("Up", { exact: true })).toBeVisible();
    // The relay holding the database (one relay per database), named as `burrow status` names it.
    await expect(admin.getByTestId("relay-lock")).toHaveText(
      new RegExp(
        `^Relay: running \\(pid \\d+ on ${hostname()}, connected from 127\\.0\\.0\\.1, since \\S+Z\\)$`,
      ),
    );
    // What the request log takes, and how long it is kept.
    await expect(admin.getByRole("heading", { name: "Request log" })).toBeVisible();
    await expect(admin.getByText("Requests older than 30 days are deleted every hour")).toBeVisible();
    await expect(admin.getByText("On disk")).toBeVisible();
    // An account with a live tunnel cannot be deleted: the dialog says what to do instead, at once,
    // with nothing to press that could only fail.
    await admin.goto("/admin/users");
    await expect(admin.getByRole("listitem").filter({ hasText: email })).toContainText("1 name · 1 key ·");
    await admin.getByRole("button", { name: `Delete ${email}` }).click();
    const deleteDialog = admin.getByRole("dialog", { name: `Delete ${email}?` });
    await expect(deleteDialog).toContainText("Their name is released and the request logs deleted.");
    await expect(deleteDialog).toContainText(
      `${name} of this account is connected right now: disable the account first, which closes its tunnels.`,
    );
    await expect(deleteDialog.getByRole("button", { name: "Delete account" })).toHaveCount(0);
    await deleteDialog.getByRole("button", { name: "Close" }).click();
    // Nor can its name be released from under its visitors.
    await admin.goto("/admin/names");
    await admin.getByRole("button", { name: `Release ${name}` }).click();
    const releaseDialog = admin.getByRole("dialog", { name: `Release ${name}?` });
    await expect(releaseDialog).toContainText(`It is taken from ${email}`);
    // Said up front, with nothing to press that could only fail.
    await expect(releaseDialog).toContainText(
      `${name} is connected right now: disconnect its tunnel first (Admin overview), then release it.`,
    );
    await expect(releaseDialog.getByRole("button", { name: "Release name" })).toHaveCount(0);
    await releaseDialog.getByRole("button", { name: "Close" }).click();
    await admin.goto("/admin");

    const row = admin.getByRole("row").filter({ hasText: name });
    await expect(row).toContainText(email);
    await row.getByRole("button", { name: `Disconnect ${name}` }).click();
    const disconnectDialog = admin.getByRole("dialog", { name: `Disconnect ${name}?` });
    // A reason the owner's ssh client could not print is refused under the field, kept as typed,
    // and the tunnel stays up.
    const reason = disconnectDialog.getByLabel("Reason (optional)");
    await reason.fill("abuse report – see mail");
    await disconnectDialog.getByRole("button", { name: "Disconnect" }).click();
    await expect(disconnectDialog).toContainText(
      "The reason must be plain ASCII: ssh clients show other characters as ?",
    );
    await expect(reason).toHaveValue("abuse report – see mail");
    await expect(reason).toHaveAttribute("aria-invalid", "true");
    await expect(user.getByTestId("tunnel-status")).toHaveText("Online");
    await reason.fill("abuse report - see mail");
    await disconnectDialog.getByRole("button", { name: "Disconnect" }).click();

    // The relay closes the forward: the ssh client exits, saying why, the owner's page goes offline
    // by itself, and the admin's list drops the tunnel.
    const code = await Promise.race([
      tunnel.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 20_000)),
    ]);
    expect(code).not.toBe("timeout");
    expect(tunnel.output()).toContain(`${name}: closed by an administrator (abuse report - see mail).`);
    await expect(user.getByTestId("tunnel-status")).toHaveText("Offline", { timeout: 20_000 });
    await expect(admin.getByRole("row").filter({ hasText: name })).toHaveCount(0, { timeout: 20_000 });

    // Every reserved name is listed with its owner and who may open it; offline, it can be released.
    await admin.goto("/admin/names");
    await expect(admin.getByRole("row").filter({ hasText: name })).toContainText(email);
    await expect(admin.getByRole("row").filter({ hasText: name })).toContainText("Public");
    await admin.getByRole("button", { name: `Release ${name}` }).click();
    await releaseDialog.getByRole("button", { name: "Release name" }).click();
    await expect(admin.getByRole("row").filter({ hasText: name })).toHaveCount(0);
    await user.goto("/names");
    await expect(user.getByRole("link", { name, exact: true })).toHaveCount(0);
    await expect(user.getByText("No names yet")).toBeVisible();

    // Offline now, the account can go: its row leaves the list and its browser is signed out.
    await admin.goto("/admin/users");
    await admin.getByRole("button", { name: `Delete ${email}` }).click();
    await deleteDialog.getByRole("button", { name: "Delete account" }).click();
    await expect(admin.getByRole("listitem").filter({ hasText: email })).toHaveCount(0);
    await user.goto("/names");
    await expect(user).toHaveURL(/\/login/);
    await adminContext.close();
  } finally {
    await tunnel.stop();
    await app.close();
    await userContext.close();
  }
});

test("a refused new user keeps what was typed, the admin box included", async ({ page, burrow }) => {
  await signIn(page, burrow.adminEmail, burrow.adminPassword);
  await page.goto("/admin/users");
  const email = `${unique("second-admin")}@e2e.test`;
  const form = page.getByRole("form", { name: "Create a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Initial password").fill("short");
  await form.getByLabel("Make this user an admin").check();
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.locator("#new-password-error")).not.toBeEmpty();
  await expect(form.getByLabel("Email")).toHaveValue(email);
  await expect(form.getByLabel("Make this user an admin")).toBeChecked();

  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText(`Created ${email}.`)).toBeVisible();
  await expect(form.getByLabel("Make this user an admin")).not.toBeChecked();
  await expect(page.getByRole("button", { name: `Remove admin from ${email}` })).toBeVisible();
});

test("an admin creates a user and disables them; a disabled user cannot sign in", async ({
  browser,
  burrow,
}) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, burrow.adminEmail, burrow.adminPassword);
  await admin.goto("/admin/users");
  const email = `${unique("created")}@e2e.test`;
  const form = admin.getByRole("form", { name: "Create a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(admin.getByText(`Created ${email}.`)).toBeVisible();

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signIn(user, email, PASSWORD);
  await reserveName(user, unique("kept"));

  await admin.getByRole("button", { name: `Disable ${email}` }).click();
  // Named: every user row has its dialogs in the page, and each must be told apart by its title.
  await admin
    .getByRole("dialog", { name: `Disable ${email}?` })
    .getByRole("button", { name: "Disable" })
    .click();
  await expect(admin.getByRole("listitem").filter({ hasText: email })).toContainText("Disabled");

  // The page they have open stops updating and says why, rather than to sign in again; so does the
  // sign-in page their next visit lands on.
  await expect(user.getByTestId("not-updating")).toHaveText(/^Not updating: account disabled · as of /, {
    timeout: 20_000,
  });
  await expect(user.getByRole("alert").filter({ hasText: "Your session has ended" })).toHaveCount(0);
  await expect(user.getByText("This account is disabled. Ask whoever runs this Burrow.")).toBeVisible();
  await user.goto("/names");
  await expect(user).toHaveURL(/\/login\?ended=disabled$/);
  await expect(user.getByText("This account is disabled. Ask whoever runs this Burrow.")).toBeVisible();
  // Signing in again is refused: with the right password they are told why; a wrong one reads as
  // for any account.
  await user.getByLabel("Email").fill(email);
  await user.getByLabel("Password").fill(`${PASSWORD} wrong`);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
    "Wrong email or password",
  );
  await user.getByLabel("Password").fill(PASSWORD);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
    "This account is disabled. Ask whoever runs this Burrow.",
  );
  await expect(user).toHaveURL(/\/login/);
  await adminContext.close();
  await userContext.close();
});

test("a user who forgot their password: the sign-in page says whom to ask, and an admin sets a new one", async ({
  browser,
  burrow,
}) => {
  const email = `${unique("forgetful")}@e2e.test`;
  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signUp(user, email);
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, burrow.adminEmail, burrow.adminPassword);
  await admin.goto(`/admin/users?q=${encodeURIComponent(email)}`);

  const item = admin.getByRole("listitem").filter({ hasText: email });
  await item.getByRole("button", { name: `Set password for ${email}` }).click();
  const dialog = admin.getByRole("dialog", { name: `Set a new password for ${email}?` });
  await expect(dialog).toContainText("They are signed out of every browser");
  await dialog.getByLabel("New password").fill("short");
  await dialog.getByRole("button", { name: "Set password" }).click();
  await expect(dialog.getByText("Use at least 10 characters")).toBeVisible();
  await expectAccessible(admin, "the set-password dialog with its field error");
  await dialog.getByLabel("New password").fill("set by the admin 42");
  await dialog.getByRole("button", { name: "Set password" }).click();
  await expect(dialog).toBeHidden();
  await expect(item.getByRole("status")).toHaveText("Password set");
  // No such button on the admin's own row: theirs is changed on Account, with the current one.
  await admin.goto("/admin/users");
  await expect(admin.getByRole("button", { name: `Set password for ${burrow.adminEmail}` })).toHaveCount(0);

  // The user's browser was signed out; the old password no longer works, the new one does.
  await user.goto("/names");
  await expect(user).toHaveURL(/\/login/);
  await expect(user.getByText("Forgot your password? Ask whoever runs this Burrow")).toBeVisible();
  await user.getByLabel("Email").fill(email);
  await user.getByLabel("Password").fill(PASSWORD);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
    "Wrong email or password",
  );
  await signIn(user, email, "set by the admin 42");
  await adminContext.close();
  await userContext.close();
});

test("an admin finds an account and a name by searching; a search with no match says so", async ({
  browser,
  burrow,
}) => {
  const owner = await (await browser.newContext()).newPage();
  const { email } = await signUpQuietly(owner);
  const name = unique("found");
  await reserveName(owner, name);

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, burrow.adminEmail, burrow.adminPassword);
  await admin.goto("/admin/users");
  const users = admin.getByRole("list", { name: "Users" });
  await expect(users.getByRole("listitem").nth(1)).toBeVisible();
  // Part of the email, in capitals: emails are found whatever the case.
  const part = email.split("@")[0]!.toUpperCase();
  await admin.getByLabel("Search by email").fill(part);
  await admin.getByRole("button", { name: "Search" }).click();
  await expect(admin).toHaveURL(new RegExp(`q=${part}`));
  await expect(users.getByRole("listitem")).toHaveCount(1);
  await expect(users.getByRole("listitem")).toContainText(email);
  await expect(admin.getByText(new RegExp(`^“${part.toLowerCase()}”: 1 of \\d+ accounts$`))).toBeVisible();
  // The box keeps the search; Clear lists everyone again.
  await expect(admin.getByLabel("Search by email")).toHaveValue(part.toLowerCase());
  await admin.getByRole("link", { name: "Clear" }).click();
  await expect(users.getByRole("listitem").nth(1)).toBeVisible();

  await admin.getByLabel("Search by email").fill("no-such-account-zzz");
  await admin.getByLabel("Search by email").press("Enter");
  await expect(admin.getByText("No account’s email contains “no-such-account-zzz”")).toBeVisible();
  await expect(users.getByRole("listitem")).toHaveCount(0);

  // Names: by the owner's email, or by part of the name.
  await admin.goto("/admin/names");
  for (const search of [email, name.slice(0, -2)]) {
    await admin.getByLabel("Search by name or owner’s email").fill(search);
    await admin.getByRole("button", { name: "Search" }).click();
    await expect(admin.getByRole("row")).toHaveCount(2); // the header and the one name
    await expect(admin.getByRole("row").nth(1)).toContainText(name);
  }
});

test("an admin sees the names of a deleted account being released until their logs are gone", async ({
  browser,
  burrow,
}) => {
  const owner = await (await browser.newContext()).newPage();
  const { email } = await signUpQuietly(owner);
  const name = unique("leaving");
  await reserveName(owner, name);
  await withDatabase(burrow.databaseUrl, (client) =>
    client.query(
      `INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip)
       SELECT now() - i * interval '1 second', $1, 'GET', '/', 200, 1.5, '203.0.113.9'
       FROM generate_series(1, 3) AS i`,
      [name],
    ),
  );
  // The log's rows held by another connection: its deletion waits, as a log of millions takes minutes.
  const holder = new pg.Client({ connectionString: burrow.databaseUrl });
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM request_logs WHERE name = $1 FOR UPDATE", [name]);

    const admin = await (await browser.newContext()).newPage();
    await signIn(admin, burrow.adminEmail, burrow.adminPassword);
    await admin.goto("/admin/users");
    await admin.getByRole("button", { name: `Delete ${email}` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Delete account" }).click();
    await expect(admin.getByRole("list", { name: "Users" }).getByText(email)).toHaveCount(0);

    await admin.goto("/admin/names");
    await expect(admin.getByRole("row").filter({ hasText: name })).toHaveCount(0);
    await expect(
      admin.getByText(`Deleting the request log of ${name} (released)… 0 of 3 requests deleted.`),
    ).toBeVisible();
    await expect(
      admin.getByRole("progressbar", { name: `Deleting the request log of ${name}` }),
    ).toBeVisible();
    await holder.query("ROLLBACK");
    await expect(async () => {
      await admin.reload();
      await expect(admin.getByText(`Deleting the request log of ${name}`)).toHaveCount(0, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    // Then the name can be had again.
    await reserveName(admin, name);
  } finally {
    await holder.end();
  }
});
