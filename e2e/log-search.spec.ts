import { withDatabase } from "./support/database.ts";
import { expect, reserveName, signUp, test, unique } from "./support/fixtures.ts";

/** Rows written straight into the log (a busy tunnel's month, in seconds): `count` paths `<prefix><n>`. */
function writeRows(databaseUrl: string, name: string, prefix: string, count: number, ago: string) {
  return withDatabase(databaseUrl, (client) =>
    client.query(
      `INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip)
       SELECT now() - $3::interval + g * interval '1 ms', $1, 'GET', $2 || g, 200, 1.5, '203.0.113.9'
       FROM generate_series(1, $4::int) g`,
      [name, prefix, ago, count],
    ),
  );
}

function deleteRows(databaseUrl: string, name: string) {
  return withDatabase(databaseUrl, (client) =>
    client.query("DELETE FROM request_logs WHERE name = $1", [name]),
  );
}

test("a search in a big log answers from the newest 100,000 requests, says so, and searches older ones on request", async ({
  page,
  burrow,
}) => {
  test.setTimeout(120_000);
  const name = unique("biglog");
  try {
    await signUp(page);
    await reserveName(page, name);
    // Three matches, then 100,010 newer requests that do not match.
    await writeRows(burrow.databaseUrl, name, "/needle/", 3, "2 hours");
    await writeRows(burrow.databaseUrl, name, "/hay/", 100_010, "1 hour");

    // The live tail starts after the newest request the page looked at, not from the log's start:
    // its first look finds nothing, and the matches stay for "Search older requests" to find.
    const tailed = page.waitForResponse((r) => r.url().includes("/logs?") && r.url().includes("after="));
    await page.goto(`/tunnels/${name}?path=needle`);
    await expect(page.getByText("No matching requests in the newest ones")).toBeVisible();
    await expect(page.getByText(/Searched the requests since/)).toBeVisible();
    expect(((await (await tailed).json()) as { rows: unknown[] }).rows).toEqual([]);
    await expect(page.getByText("No matching requests in the newest ones")).toBeVisible();
    await page.getByRole("button", { name: "Search older requests" }).click();

    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    await expect(log.getByRole("row").filter({ hasText: "/needle/" })).toHaveCount(3);
    await expect(log.getByRole("row").filter({ hasText: "/needle/" }).first()).toContainText("/needle/3");
    // The second window reached the start of the log: nothing older is left to search.
    await expect(page.getByRole("button", { name: "Search older requests" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Older" })).toHaveCount(0);

    // Unfiltered, the newest requests are simply the first page, with "Older" to page back.
    await page.goto(`/tunnels/${name}`);
    await expect(log.getByRole("row").filter({ hasText: "/hay/100010" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Older" })).toBeVisible();
    await expect(page.getByText(/Searched the requests since/)).toHaveCount(0);
  } finally {
    await deleteRows(burrow.databaseUrl, name);
  }
});
