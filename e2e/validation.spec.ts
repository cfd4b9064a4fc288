import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, signUpQuietly, test, unique } from "./support/fixtures.ts";
import { generateKey } from "./support/ssh.ts";

test("names are validated as you type and checked for availability", async ({ page }) => {
  await signUpQuietly(page);
  await page.goto("/names");
  const input = page.getByLabel("Name", { exact: true });
  const reserve = page.getByRole("button", { name: "Reserve" });

  await input.fill("ab");
  await expect(page.getByText("Use at least 3 characters")).toBeVisible();
  await expect(reserve).toBeDisabled();

  await input.fill("-bad-");
  await expect(page.getByText("A name cannot start or end with a hyphen")).toBeVisible();

  await input.fill("my_app");
  await expect(page.getByText("Use only letters a–z, digits and hyphens")).toBeVisible();

  await input.fill("admin");
  await expect(page.getByText("This name is reserved by Burrow")).toBeVisible();

  // Pasted too long: said, not cut to a name nobody typed.
  await input.fill("x".repeat(64));
  await expect(input).toHaveValue("x".repeat(64));
  await expect(page.getByText("Use at most 63 characters")).toBeVisible();
  await expect(reserve).toBeDisabled();

  const name = unique();
  await input.fill(name);
  await expect(page.getByText(`${name} is available`)).toBeVisible();
  await reserve.click();
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
  await expect(page.getByText(/^1 of \d+ used$/)).toBeVisible();
  // A new attempt clears the last one's success, which is not about the name now typed.
  await expect(page.getByText(`Reserved ${name}.`)).toBeVisible();
  await input.fill("n4");
  await expect(page.getByText("Use at least 3 characters")).toBeVisible();
  await expect(page.getByText(`Reserved ${name}.`)).toHaveCount(0);

  // Taken now, by this user: the availability check says so before submitting.
  await input.fill(name);
  await expect(page.getByText(`${name} is already yours`)).toBeVisible();
});

test("a pasted private key is refused at once and cleared, never sent; garbage and weak keys are explained", async ({
  page,
}) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-keys-"));
  const key = await generateKey(dir);
  await signUpQuietly(page);
  await page.goto("/keys");
  const field = page.getByLabel("Public key");
  const add = page.getByRole("button", { name: "Add key" });

  // Said as it is pasted, and the field emptied: nothing of it goes to the server, even on Add key.
  const sent: string[] = [];
  page.on("request", (request) => sent.push(request.postData() ?? ""));
  await field.fill(key.privateKey);
  await expect(page.getByText(/This is a PRIVATE key\. Never paste a private key anywhere/)).toBeVisible();
  await expect(field).toHaveValue("");
  await add.click();
  await expect(page.getByText(/This is a PRIVATE key\. Never paste a private key anywhere/)).toBeVisible();
  await expect(field).toHaveValue("");
  expect(sent.filter((body) => body.includes("PRIVATE KEY"))).toEqual([]);

  await field.fill("hello");
  await add.click();
  await expect(page.getByText(/does not look like an OpenSSH public key/)).toBeVisible();

  await field.fill("ssh-dss AAAAB3NzaC1kc3M=");
  await add.click();
  await expect(page.getByText(/DSA keys are insecure and not accepted/)).toBeVisible();

  const weak = await generateKey(dir, "rsa", 1024);
  await field.fill(weak.publicKey);
  await add.click();
  await expect(page.getByText(/This RSA key has 1024 bits; at least 2048 are required/)).toBeVisible();

  const strong = await generateKey(dir, "rsa", 2048);
  await field.fill(strong.publicKey);
  await page.getByLabel("Label").fill("rsa key");
  await add.click();
  await expect(page.getByRole("listitem").filter({ hasText: "rsa key" })).toContainText(strong.fingerprint);
});

test("adding a key shows its SHA256 fingerprint exactly as ssh-keygen -lf prints it", async ({
  page,
  browser,
}) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-keys-"));
  const key = await generateKey(dir);
  await signUpQuietly(page);
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByLabel("Label").fill("laptop");
  await page.getByRole("button", { name: "Add key" }).click();
  const item = page.getByRole("listitem").filter({ hasText: "laptop" });
  await expect(item).toContainText(key.fingerprint);
  await expect(item).toContainText("ED25519");

  // Added again to the same account: it says under which label it already is.
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByText("This key is already registered to your account (as “laptop”)")).toBeVisible();

  // The same key on another account is refused without saying whose it is.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await signUpQuietly(page2);
  await page2.goto("/keys");
  await page2.getByLabel("Public key").fill(key.publicKey);
  await page2.getByRole("button", { name: "Add key" }).click();
  await expect(page2.getByText("This key is already registered to another account")).toBeVisible();
  await other.close();

  // Delete asks first.
  await item.getByRole("button", { name: "Delete key laptop" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete the key “laptop”?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Delete key" }).click();
  await expect(page.getByText("No keys yet")).toBeVisible();
  await expect(page.getByText("Deleted “laptop”.")).toBeVisible();
});

test("a key label over 100 characters is refused with a message at once, never cut", async ({ page }) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-keys-"));
  const key = await generateKey(dir);
  await signUpQuietly(page);
  await page.goto("/keys");
  await page.getByLabel("Public key").fill(key.publicKey);
  const label = page.getByLabel("Label");
  await label.fill("x".repeat(500));
  await expect(label).toHaveValue("x".repeat(500));
  await expect(page.getByText("Use at most 100 characters (this label has 500)")).toBeVisible();
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByText("Use at most 100 characters (this label has 500)")).toBeVisible();
  await page.reload();
  await expect(page.getByText("No keys yet")).toBeVisible();
});

test("a key file picked from disk is read into the form; a private one is refused at once", async ({
  page,
}) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-keys-"));
  const key = await generateKey(dir);
  await signUpQuietly(page);
  await page.goto("/keys");
  const picker = page.getByLabel("…or pick a .pub file");

  // The private key: said before any click on Add key, and its contents never reach the form.
  await picker.setInputFiles(key.privatePath);
  await expect(page.getByText("id is a PRIVATE key: never share it")).toBeVisible();
  await expect(page.getByText("Pick the public key next to it instead (id.pub)")).toBeVisible();
  await expect(page.getByLabel("Public key")).toHaveValue("");
  await expect(picker).toHaveValue("");

  // The .pub file: its key, and its comment as the label, as the hint says.
  await picker.setInputFiles(`${key.privatePath}.pub`);
  await expect(page.getByLabel("Public key")).toHaveValue(key.publicKey);
  await expect(page.getByLabel("Label")).toHaveValue("e2e@test");
  await expect(page.getByText("Defaults to the key's comment.")).toBeVisible();
  await expect(page.getByText(/PRIVATE key/)).toHaveCount(0);
});

test("a PuTTYgen (SSH2) public key file is read with its Comment as the label, and added", async ({
  page,
}) => {
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-keys-"));
  const key = await generateKey(dir);
  // What PuTTYgen's "Save public key" writes: ssh-keygen -e's format, Windows line ends, its comment.
  const ssh2 = execFileSync("ssh-keygen", ["-e", "-f", `${key.privatePath}.pub`], { encoding: "utf8" })
    .replace(/^Comment: .*$/m, 'Comment: "ed25519-key-20261205"')
    .replaceAll("\n", "\r\n");
  const file = join(dir, "putty.pub");
  await writeFile(file, ssh2);
  await signUpQuietly(page);
  await page.goto("/keys");
  await page.getByLabel("…or pick a .pub file").setInputFiles(file);
  await expect(page.getByLabel("Label")).toHaveValue("ed25519-key-20261205");
  await page.getByRole("button", { name: "Add key" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "ed25519-key-20261205" })).toContainText(
    key.fingerprint,
  );
});

test("a form sent from a page an updated Burrow did not build says to reload it, and works once reloaded", async ({
  page,
}) => {
  await signUpQuietly(page);
  await page.goto("/names");
  // What Next answers for an action of another build (an upgrade while the tab was open).
  await page.route("**/names", async (route) => {
    if (route.request().method() === "POST" && route.request().headers()["next-action"]) {
      await route.fulfill({
        status: 404,
        headers: { "x-nextjs-action-not-found": "1", "content-type": "text/plain" },
        body: "Server action not found.",
      });
    } else await route.continue();
  });
  const name = unique();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(page.getByText(`${name} is available`)).toBeVisible();
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByRole("heading", { name: "This page is out of date" })).toBeVisible();
  await expect(page.getByText("Burrow was updated since this page was opened")).toBeVisible();

  await page.unroute("**/names");
  await page.getByRole("button", { name: "Reload page" }).click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
});
