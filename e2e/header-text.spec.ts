/**
 * Header values with non-ASCII bytes, end to end: a visitor's `X-Name: café` (UTF-8) and an old
 * client's Latin-1 `X-Old: café` (one byte 0xE9, not UTF-8) through a real tunnel. The details, the
 * curl command and the export show "café" (not "cafÃ©"), the Latin-1 byte as \xE9; the search finds
 * "café"; and the app gets the visitor's bytes from a replay, from an edited one (the edited value
 * in UTF-8, the other as it was) and from the curl command run in bash.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import http, { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { addKey } from "../lib/ssh-keys/service.ts";
import { createSharingWorld, curl, type SharingWorld } from "./sharing/setup.ts";
import { expectAccessible } from "./support/axe.ts";
import { burrowUnderTest } from "./support/burrow-env.ts";
import { expect, test, unique } from "./support/fixtures.ts";
import { generateKey, startTunnel } from "./support/ssh.ts";

let world: SharingWorld;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  world = await createSharingWorld(burrowUnderTest());
});

test.afterAll(async () => {
  await world?.close();
});

const NAME_UTF8 = Buffer.from("café", "utf8");
const OLD_LATIN1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
const FILE_NAME = 'attachment; filename="résumé.pdf"';

/** Header bytes as Node's HTTP client and server carry them: one Latin-1 character a byte. */
const latin1 = (bytes: Buffer) => bytes.toString("latin1");

/** The app: records the bytes of each request's X-Name and X-Old, answers with a UTF-8 filename. */
async function startRecordingApp() {
  const seen: { path: string; name: string; old: string }[] = [];
  const hex = (value: string | string[] | undefined) =>
    typeof value === "string" ? Buffer.from(value, "latin1").toString("hex") : "";
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", name: hex(req.headers["x-name"]), old: hex(req.headers["x-old"]) });
    res.writeHead(200, {
      "content-type": "text/plain",
      "content-disposition": latin1(Buffer.from(FILE_NAME)),
    });
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    /** The requests to /accents, oldest first. */
    accents: () => seen.filter((request) => request.path === "/accents"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GET /accents through the relay with the two headers' raw bytes, as a script's client sends them. */
function visit(httpPort: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: httpPort,
        path: "/accents",
        headers: { host, "X-Name": latin1(NAME_UTF8), "X-Old": latin1(OLD_LATIN1) },
        agent: false,
        timeout: 15_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("visit timed out")));
    req.on("error", reject);
  });
}

test("a UTF-8 header value reads as text everywhere, and every way of sending it again sends its bytes", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const burrow = burrowUnderTest();
  const app = await startRecordingApp();
  const key = await generateKey(await mkdtemp(join(tmpdir(), "burrow-e2e-header-text-")));
  await addKey(world.db, world.owner.id, { label: unique("accents"), publicKey: key.publicKey });
  const name = unique("accents");
  await world.reserve(name);
  const tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
  const owner = await world.ownerContext(browser);
  try {
    await expect
      .poll(async () => (await curl(burrow, name, "/").catch(() => undefined))?.status, { timeout: 20_000 })
      .toBe(200);
    const original = { name: NAME_UTF8.toString("hex"), old: OLD_LATIN1.toString("hex") };
    expect(await visit(burrow.httpPort, `${name}.localhost`)).toBe(200);
    // The relay passes the bytes on untouched (as it always did).
    expect(app.accents()).toEqual([{ path: "/accents", ...original }]);

    const page = await owner.newPage();
    await page.goto(`/tunnels/${name}`);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const rows = log.getByRole("button", { name: "Details of GET /accents" });
    await expect(rows).toHaveCount(1);
    await rows.click();
    const details = log.getByRole("row").filter({ hasText: "What happened" });
    const sent = details.getByRole("table", { name: "Request headers" });
    await expect(sent.getByRole("row").filter({ hasText: /^X-Name/ })).toHaveText(/^X-Name\s*café$/);
    // Not UTF-8: the byte shown for what it is, not passed off as a UTF-8 é.
    const old = sent.getByRole("row").filter({ hasText: /^X-Old/ });
    await expect(old).toHaveText(/^X-Old\s*caf\\xE9$/);
    await expect(old.getByTitle("A byte that is not UTF-8")).toHaveText("\\xE9");
    const answered = details.getByRole("table", { name: "Response headers" });
    await expect(answered.getByRole("row").filter({ hasText: /^content-disposition/i })).toContainText(
      FILE_NAME,
    );
    await expect(details).not.toContainText("Ã");
    await expectAccessible(page, "request details with a header byte that is not UTF-8");
    const command =
      (await details
        .locator("code")
        .filter({ hasText: /^curl / })
        .textContent()) ?? "";
    expect(command).toContain(`-H 'X-Name: café'`);
    expect(command).toContain(`-H $'X-Old: caf\\xE9'`);

    // Sent again as it was: the app gets the same bytes.
    await details.getByRole("button", { name: "Send again" }).click();
    await expect(details.getByRole("status")).toContainText("Your app answered 200.");
    expect(app.accents()[1]).toEqual({ path: "/accents", ...original });

    // Edited: the form shows the values as text; the one changed goes in UTF-8, the other as it was.
    await details.getByRole("button", { name: "Edit and send…" }).click();
    const edit = details.getByRole("form", { name: "Edit and send this request" });
    const headers = edit.getByLabel("Headers");
    await expect(headers).toHaveValue(/^X-Name: café$/m);
    await expect(headers).toHaveValue(/^X-Old: caf\\xE9$/m);
    await headers.fill((await headers.inputValue()).replace("X-Name: café", "X-Name: crème brûlée"));
    await edit.getByRole("button", { name: "Send edited request" }).click();
    await expect(edit.getByRole("status")).toContainText("Your app answered 200.");
    expect(app.accents()[2]).toEqual({
      path: "/accents",
      name: Buffer.from("crème brûlée").toString("hex"),
      old: original.old,
    });
    await expect(rows).toHaveCount(3);

    // The curl command, run by bash in a UTF-8 locale: the visitor's bytes again.
    await promisify(execFile)(
      "bash",
      [
        "-c",
        `${command} -sS -o /dev/null --max-time 10 --resolve ${name}.localhost:${burrow.httpPort}:127.0.0.1`,
      ],
      { env: { ...process.env, LC_ALL: "C.UTF-8" } },
    );
    expect(app.accents()[3]).toEqual({ path: "/accents", ...original });
    await expect(rows).toHaveCount(4);

    // The export says café too (JSON lines: the visitor's request is the oldest).
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "JSON lines", exact: true }).click(),
    ]);
    const exported = (await readFile((await download.path()) ?? "", "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { path: string; requestHeaders: [string, string | null][] | null });
    const visitor = exported.filter((request) => request.path === "/accents").at(-1);
    expect(visitor?.requestHeaders).toContainEqual(["X-Name", "café"]);
    expect(visitor?.requestHeaders).toContainEqual(["X-Old", "caf\\xE9"]);

    // Searching the headers for café finds the requests that sent it, not the edited one.
    await page.getByLabel("Headers contain").fill("café");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/[?&]header=caf%C3%A9/);
    await expect(rows).toHaveCount(3);
  } finally {
    await owner.close();
    await tunnel.stop();
    await app.close();
  }
});
