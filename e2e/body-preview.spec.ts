import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, reserveName, signUpQuietly, test, unique } from "./support/fixtures.ts";

/** A real 1×1 PNG. */
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

// QA: a Latin-1 text body read "Binary content, not shown here"; pictures were never shown.
test("a kept body is read in its declared charset, and a picture is previewed under the page's CSP", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const name = unique("preview");
  await reserveName(page, name);
  const latin1 = Buffer.from("Crème brûlée à 3 €", "latin1");
  latin1[latin1.length - 1] = 0x80; // windows-1252's euro sign, as browsers read iso-8859-1
  const insert = (path: string, type: string, body: Buffer) =>
    withDatabase(burrow.databaseUrl, (client) =>
      client.query(
        `INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip, bytes_out,
                                   response_headers, response_body)
         VALUES ($1, 'GET', $2, 200, 4, '203.0.113.9', $3, $4, $5)`,
        [name, path, body.length, JSON.stringify([["content-type", type]]), body],
      ),
    );
  await insert("/menu.txt", "text/plain; charset=iso-8859-1", latin1);
  await insert("/pixel.png", "image/png", PIXEL);
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(`/tunnels/${name}`);
  const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });

  await log.getByRole("button", { name: "Details of GET /menu.txt" }).click();
  await expect(page.getByRole("region", { name: "Response body" })).toHaveText("Crème brûlée à 3 €");
  await log.getByRole("button", { name: "Details of GET /menu.txt" }).click();

  await log.getByRole("button", { name: "Details of GET /pixel.png" }).click();
  const picture = page.getByRole("img", { name: "Response body: image/png" });
  await expect(picture).toBeVisible();
  // Drawn, not refused by the Content-Security-Policy (a broken image has no natural size).
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await expect(log.getByText("Binary content, not shown here")).toHaveCount(0);
  expect(problems.filter((p) => /Content Security Policy|img-src/i.test(p))).toEqual([]);
});
