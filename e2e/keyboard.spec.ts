import type { Locator, Page } from "@playwright/test";
import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, PASSWORD, reserveName, signIn, signUpQuietly, test, unique } from "./support/fixtures.ts";
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

/** Rows written straight into a name's log: one GET per path, the first path the oldest. */
function writeRows(databaseUrl: string, name: string, paths: string[]) {
  return withDatabase(databaseUrl, (client) =>
    client.query(
      `INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip)
       SELECT now() - interval '1 minute' + p.i * interval '1 second', $1, 'GET', p.path, 200, 1.5, '203.0.113.9'
       FROM unnest($2::text[]) WITH ORDINALITY AS p(path, i)`,
      [name, paths],
    ),
  );
}

function requestLog(page: Page, name: string): Locator {
  return page.getByRole("table", { name: `Requests to ${name}, newest first` });
}

test("a button pressed with Enter keeps the focus while its action runs and after", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const key = await generateKey(burrow.scratchDir);
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  const add = page.getByRole("button", { name: "Add key" });
  await pressEnterOn(add);
  await expect(page.getByRole("status").filter({ hasText: "Added “e2e@test”" })).toBeVisible();
  // While it ran the button was busy (aria-disabled), not disabled: a disabled button loses focus.
  await expect(add).toBeFocused();
});

test("the log's filters keep the focus where they were applied and cleared", async ({ page, burrow }) => {
  await signUpQuietly(page);
  const name = unique("kbdfilter");
  await reserveName(page, name);
  await writeRows(burrow.databaseUrl, name, ["/alpha", "/beta"]);
  await page.goto(`/tunnels/${name}`);
  const log = requestLog(page, name);
  await expect(log.getByRole("row")).toHaveCount(3);

  // Enter in a field applies the filters; the field keeps the focus, and what was typed.
  const path = page.getByLabel("Path contains");
  await path.focus();
  await page.keyboard.type("alpha");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\?path=alpha$/);
  await expect(log.getByRole("row")).toHaveCount(2);
  await expect(path).toBeFocused();
  await expect(path).toHaveValue("alpha");
  // Nothing else moved: a status says what the filters found, for a screen reader to announce.
  await expect(page.getByRole("status").filter({ hasText: "matching" })).toHaveText("1 matching request");

  // Clear goes away once done; the focus moves to Apply filters beside it.
  await pressEnterOn(page.getByRole("button", { name: "Clear" }));
  await expect(page).toHaveURL(new RegExp(`/tunnels/${name}$`));
  await expect(log.getByRole("row")).toHaveCount(3);
  await expect(page.getByRole("button", { name: "Clear" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Apply filters" })).toBeFocused();
  await expect(path).toHaveValue("");

  // A custom range without its ends is refused: the error is announced, and each end is marked
  // invalid and described by it (read again on reaching the field).
  await page.getByLabel("Time range").selectOption("custom");
  await pressEnterOn(page.getByRole("button", { name: "Apply filters" }));
  await expect(page.getByRole("alert").filter({ hasText: "Pick a start or an end" })).toBeVisible();
  for (const end of ["From (your time)", "To (your time)"]) {
    await expect(page.getByLabel(end)).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel(end)).toHaveAccessibleDescription(
      "Pick a start or an end for the time range",
    );
  }
  await page.getByLabel("Time range").selectOption("");

  // A link that sets a filter (Only this path) goes with the log it was in: the focus moves to the
  // field that now shows that filter.
  await pressEnterOn(log.getByRole("button", { name: "Details of GET /beta" }));
  await pressEnterOn(page.getByRole("link", { name: "Only this path" }));
  await expect(page).toHaveURL(/\?path=%2Fbeta$/);
  await expect(log.getByRole("row")).toHaveCount(2);
  await expect(path).toHaveValue("/beta");
  await expect(path).toBeFocused();
});

test("Edit and send moves the focus into its form, and back to its button when it closes", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const name = unique("kbdedit");
  await reserveName(page, name);
  await writeRows(burrow.databaseUrl, name, ["/first", "/second"]);
  await page.goto(`/tunnels/${name}`);
  await pressEnterOn(requestLog(page, name).getByRole("button", { name: "Details of GET /second" }));

  const edit = page.getByRole("button", { name: "Edit and send…" });
  await pressEnterOn(edit);
  const form = page.getByRole("form", { name: "Edit and send this request" });
  await expect(form.getByLabel("Method")).toBeFocused();
  await pressEnterOn(form.getByRole("button", { name: "Close" }));
  await expect(form).toHaveCount(0);
  await expect(edit).toBeFocused();
});

test("deleting a request from its details moves the focus to the next row's details button", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const name = unique("kbddelete");
  await reserveName(page, name);
  await writeRows(burrow.databaseUrl, name, ["/first", "/second", "/third"]);
  await page.goto(`/tunnels/${name}`);
  const log = requestLog(page, name);
  await pressEnterOn(log.getByRole("button", { name: "Details of GET /second" }));
  await pressEnterOn(page.getByRole("button", { name: "Delete this request…" }));
  const dialog = page.getByRole("dialog", { name: "Delete this request?" });
  await pressEnterOn(dialog.getByRole("button", { name: "Delete request" }));
  await expect(log.getByRole("row").filter({ hasText: "/second" })).toHaveCount(0);
  await expect(log.getByRole("button", { name: "Details of GET /first" })).toBeFocused();
});

test("releasing a name and deleting a key move the focus to what says it was done", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const [kept, released] = [unique("kbdkept"), unique("kbdgone")];
  await reserveName(page, kept);
  await reserveName(page, released);
  await pressEnterOn(page.getByRole("button", { name: `Release ${released}` }));
  await pressEnterOn(
    page.getByRole("dialog", { name: `Release ${released}?` }).getByRole("button", { name: "Release name" }),
  );
  const releasedNotice = page.getByText(`Released ${released}.`);
  await expect(releasedNotice).toBeVisible();
  await expect(page.getByRole("link", { name: released, exact: true })).toHaveCount(0);
  await expect(page.locator(":focus")).toContainText(`Released ${released}.`);
  // Tab goes on into the list that the row left.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: kept, exact: true })).toBeFocused();

  const key = await generateKey(burrow.scratchDir);
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByLabel("Label").fill("kbd laptop");
  await page.getByRole("button", { name: "Add key" }).click();
  await pressEnterOn(page.getByRole("button", { name: "Delete key kbd laptop" }));
  await pressEnterOn(page.getByRole("dialog").getByRole("button", { name: "Delete key" }));
  await expect(page.getByText("Deleted “kbd laptop”.")).toBeVisible();
  await expect(page.locator(":focus")).toContainText("Deleted “kbd laptop”.");
});

test("a share link removed with the keyboard hands the focus to the table it was in (the last one: to its section)", async ({
  page,
}) => {
  await signUpQuietly(page);
  const name = unique("kbdlinks");
  await reserveName(page, name);
  await page.goto(`/tunnels/${name}/access`);
  for (const label of ["Ana", "Ben"]) {
    await page.getByLabel("Label").fill(label);
    await page.getByRole("button", { name: "Create link" }).click();
    await expect(page.getByText(`Link “${label}” created.`)).toBeVisible();
  }
  const links = page.getByRole("table", { name: "Share links" });
  // Revoked, the row stays and its button becomes Remove: the focus stays on it.
  await pressEnterOn(links.getByRole("button", { name: "Revoke link Ana" }));
  await pressEnterOn(page.getByRole("dialog").getByRole("button", { name: "Revoke link" }));
  await expect(links.getByRole("button", { name: "Remove link Ana" })).toBeFocused();
  // Removed, the row goes: the focus goes to the table it was in.
  await pressEnterOn(links.getByRole("button", { name: "Remove link Ana" }));
  await pressEnterOn(page.getByRole("dialog").getByRole("button", { name: "Remove link" }));
  await expect(links.getByRole("row")).toHaveCount(2);
  await expect(links).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(links.getByRole("button", { name: "Revoke link Ben" })).toBeFocused();
  // The last one removed, the table goes too: the focus goes to the part of the page that now says
  // there are none, not back to the top.
  await pressEnterOn(links.getByRole("button", { name: "Revoke link Ben" }));
  await pressEnterOn(page.getByRole("dialog").getByRole("button", { name: "Revoke link" }));
  await pressEnterOn(links.getByRole("button", { name: "Remove link Ben" }));
  await pressEnterOn(page.getByRole("dialog").getByRole("button", { name: "Remove link" }));
  await expect(links).toHaveCount(0);
  await expect(page.locator(":focus")).toContainText("No share links yet");
});

test("an admin deleting an account (which no notice announces) finds the focus on the list of users", async ({
  page,
  burrow,
}) => {
  await signIn(page, burrow.adminEmail, burrow.adminPassword);
  const email = `${unique("kbdgone")}@e2e.test`;
  await page.goto("/admin/users");
  const form = page.getByRole("form", { name: "Create a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create user" }).click();
  await pressEnterOn(page.getByRole("button", { name: `Delete ${email}` }));
  await pressEnterOn(page.getByRole("dialog").getByRole("button", { name: "Delete account" }));
  const users = page.getByRole("list", { name: "Users" });
  await expect(users.getByText(email)).toHaveCount(0);
  await expect(users).toBeFocused();
});
