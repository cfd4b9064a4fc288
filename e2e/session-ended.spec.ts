import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, PASSWORD, reserveName, signUpQuietly, test, unique } from "./support/fixtures.ts";

/** Ends every web session of `email`, as signing out in another browser (or expiry) does. */
function endSessions(databaseUrl: string, email: string) {
  return withDatabase(databaseUrl, (client) =>
    client.query("DELETE FROM web_sessions WHERE user_id = (SELECT id FROM users WHERE email = $1)", [email]),
  );
}

test("a live tunnel page says the session has ended, with a way back to it", async ({ page, burrow }) => {
  const { email } = await signUpQuietly(page);
  const name = unique("ended");
  await reserveName(page, name);
  // The overview in another tab: it finds out from its own stream.
  const overview = await page.context().newPage();
  await overview.goto("/");
  await expect(overview.getByText("Tunnels online").locator("..")).toContainText("0 of 1");
  await page.goto(`/tunnels/${name}`);
  await expect(page.getByText("Not connected")).toBeVisible();

  await endSessions(burrow.databaseUrl, email);
  const notice = page.getByRole("alert").filter({ hasText: "Your session has ended" });
  // Told by its event stream, which checks the session every 5 s (the page itself now polls every
  // 20 s at most while the stream is up).
  await expect(notice).toBeVisible();
  await expect(notice.getByRole("link", { name: "Sign in again" })).toHaveAttribute(
    "href",
    `/login?callbackUrl=${encodeURIComponent(`/tunnels/${name}`)}`,
  );
  await expect(page.getByText(/retrying/i)).toHaveCount(0);
  // What stays on screen says it is no longer live, and since when: the status, the chart and the
  // live tail, and on the overview its tiles and cards; the figures dimmed.
  const asOf = /^Not updating: signed out · as of \d\d:\d\d:\d\d$/;
  await expect(page.getByText("Not connected")).toHaveCount(0);
  await expect(page.getByTestId("not-updating")).toHaveText([asOf, asOf, asOf]);
  await expect(page.getByTestId("tunnel-status")).toHaveCSS("opacity", "0.6");
  await expect(page.getByTestId("live-tail-mode")).toHaveAttribute("data-mode", "ended");
  await expect(overview.getByTestId("not-updating")).toHaveText(asOf, { timeout: 10_000 });
  // The tile's card, the tiles' row, then what the overview's live data feeds.
  await expect(overview.getByText("Tunnels online").locator("../../..")).toHaveCSS("opacity", "0.6");
});

test("on /names the check and Reserve lead to signing in again, back to /names", async ({ page, burrow }) => {
  const { email } = await signUpQuietly(page);
  await page.goto("/names");
  await endSessions(burrow.databaseUrl, email);

  const name = unique("late");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(
    page.getByText("Your session has ended: sign in again to check or reserve names."),
  ).toBeVisible();
  await expect(page.getByText("Could not check right now")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Sign in again" })).toHaveAttribute(
    "href",
    "/login?callbackUrl=%2Fnames",
  );

  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fnames&ended=1$/);
  await expect(page.getByText("Your session has ended. Sign in again")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/names$/);
  await expect(page.getByRole("heading", { name: "Names", level: 1 })).toBeVisible();
});

test("the names list and Admin's connected tunnels say they stopped updating once signed out", async ({
  page,
  burrow,
}) => {
  const { email } = await signUpQuietly(page);
  const name = unique("listed");
  await reserveName(page, name);
  // An admin of their own (the suite's admin signs in elsewhere in parallel: its sessions stay).
  await withDatabase(burrow.databaseUrl, (client) =>
    client.query("UPDATE users SET role = 'ADMIN' WHERE email = $1", [email]),
  );
  await page.goto("/names");
  await expect(page.getByRole("link", { name, exact: true }).first()).toBeVisible();
  const admin = await page.context().newPage();
  await admin.goto("/admin");
  // Other specs' tunnels may be listed: what matters is the live table's state line below.
  await expect(admin.getByRole("heading", { name: "Connected tunnels" })).toBeVisible();

  await endSessions(burrow.databaseUrl, email);
  const asOf = /^Not updating: signed out · as of \d\d:\d\d:\d\d$/;
  await expect(page.getByTestId("not-updating")).toHaveText(asOf, { timeout: 20_000 });
  await expect(admin.getByTestId("not-updating")).toHaveText(asOf, { timeout: 20_000 });
});
