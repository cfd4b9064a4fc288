import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addKey, expect, reserveName, signUp, signUpQuietly, test, unique } from "./support/fixtures.ts";
import { generateKey } from "./support/ssh.ts";

test("names and keys added or removed in one tab show in another open on the same list, without a reload", async ({
  page,
  context,
}) => {
  await signUp(page);
  const other = await context.newPage();
  await other.goto("/names");
  await expect(other.getByText("No names yet")).toBeVisible();
  const keys = await context.newPage();
  await keys.goto("/keys");
  await expect(keys.getByText("No keys yet")).toBeVisible();

  const name = unique("seen");
  await reserveName(page, name);
  await expect(other.getByRole("link", { name, exact: true })).toBeVisible({ timeout: 15_000 });
  const key = await generateKey(await mkdtemp(join(tmpdir(), "burrow-e2e-tabs-")));
  const label = unique("desk");
  await addKey(page, key, label);
  await expect(keys.getByRole("listitem").filter({ hasText: label })).toContainText(key.fingerprint, {
    timeout: 15_000,
  });
  await expect(keys.getByText("1 key", { exact: true })).toBeVisible();

  await page.goto("/names");
  await page.getByRole("button", { name: `Release ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Release name" }).click();
  await expect(other.getByRole("link", { name, exact: true })).toHaveCount(0, { timeout: 15_000 });
  await page.goto("/keys");
  await page.getByRole("button", { name: `Delete key ${label}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
  await expect(keys.getByRole("listitem").filter({ hasText: label })).toHaveCount(0, { timeout: 15_000 });
  await expect(keys.getByText("No keys yet")).toBeVisible();
});

test("releasing a name or deleting a key already gone in another tab just removes its row", async ({
  page,
  context,
}) => {
  await signUpQuietly(page);
  const name = unique("twotabs");
  await reserveName(page, name);
  const key = await generateKey(await mkdtemp(join(tmpdir(), "burrow-e2e-tabs-")));
  const label = unique("laptop");
  await addKey(page, key, label);

  // A second tab that hears nothing more (a laptop asleep, a dropped connection): its lists stay as
  // they were rendered while the first tab releases and deletes.
  const other = await context.newPage();
  await other.route(/\/api\/(names|keys|events)(\?|$)/, (route) => route.abort());
  await other.goto("/names");
  await expect(other.getByRole("button", { name: `Release ${name}` })).toBeVisible();

  await page.goto("/names");
  await page.getByRole("button", { name: `Release ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Release name" }).click();
  await expect(page.getByRole("link", { name, exact: true })).toHaveCount(0);

  // The stale tab still lists it; releasing it there is done, not "You have no name called …".
  await other.getByRole("button", { name: `Release ${name}` }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Release name" }).click();
  await expect(other.getByRole("dialog")).toHaveCount(0);
  await expect(other.getByRole("link", { name, exact: true })).toHaveCount(0);
  await expect(other.getByText(/You have no name called/)).toHaveCount(0);

  await other.goto("/keys");
  await expect(other.getByRole("listitem").filter({ hasText: label })).toBeVisible();
  await page.goto("/keys");
  await page.getByRole("button", { name: `Delete key ${label}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: label })).toHaveCount(0);

  await other.getByRole("button", { name: `Delete key ${label}` }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Delete key" }).click();
  await expect(other.getByRole("dialog")).toHaveCount(0);
  await expect(other.getByRole("listitem").filter({ hasText: label })).toHaveCount(0);
  await expect(other.getByText("No such key")).toHaveCount(0);
});
