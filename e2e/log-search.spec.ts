import { readFile } from "node:fs/promises";
import http from "node:http";
import type { APIResponse } from "@playwright/test";
import pg from "pg";
import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, reserveName, signUpQuietly, test, unique } from "./support/fixtures.ts";

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
    await signUpQuietly(page);
    await reserveName(page, name);
    // Three matches, then 100,010 newer requests that do not match.
    await writeRows(burrow.databaseUrl, name, "/needle/", 3, "2 hours");
    await writeRows(burrow.databaseUrl, name, "/hay/", 100_010, "1 hour");

    // The live tail starts after the newest request the page looked at, not from the log's start:
    // its first look finds nothing, and the matches stay for "Search older requests" to find.
    const tailed = page.waitForResponse((r) => r.url().includes("/logs?") && r.url().includes("after="));
    await page.goto(`/tunnels/${name}?path=needle`);
    await expect(
      page.getByRole("paragraph").filter({ hasText: "No matching requests in the newest ones" }),
    ).toBeVisible();
    await expect(page.getByText(/Searched the requests since/)).toBeVisible();
    expect(((await (await tailed).json()) as { rows: unknown[] }).rows).toEqual([]);
    await expect(
      page.getByRole("paragraph").filter({ hasText: "No matching requests in the newest ones" }),
    ).toBeVisible();
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

    // A method the form does not list, from a link, is the one its select shows, not "Any".
    await page.goto(`/tunnels/${name}?method=propfind`);
    await expect(page.getByLabel("Method", { exact: true })).toHaveValue("PROPFIND");
    await expect(page.getByLabel("Method", { exact: true }).locator("option:checked")).toHaveText("PROPFIND");
  } finally {
    await deleteRows(burrow.databaseUrl, name);
  }
});

test("a status code narrows the log, and a link's filter the log cannot read is named instead of ignored", async ({
  page,
  burrow,
}) => {
  const name = unique("statuses");
  try {
    await signUpQuietly(page);
    await reserveName(page, name);
    await withDatabase(burrow.databaseUrl, (client) =>
      client.query(
        `INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip)
         SELECT now() - (4 - i) * interval '1 second', $1, 'GET', path, status, 1.5, '203.0.113.9'
         FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS t(path, status, i)`,
        [name, ["/ok", "/missing", "/gone", "/broken"], [200, 404, 410, 500]],
      ),
    );
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const paths = log.getByRole("button", { name: /^Details of GET / });

    // A link edited by hand: the path filter applies, the status it cannot read is named.
    await page.goto(`/tunnels/${name}?status=404x&path=%2F`);
    const notice = page.getByRole("status").filter({ hasText: "Not applied" });
    await expect(notice).toContainText(
      "status=“404x” is not a filter: use 2xx, 3xx, 4xx or 5xx, or a status code such as 404",
    );
    await expect(page.getByLabel("Path contains")).toHaveValue("/");
    await expect(page.getByRole("combobox", { name: "Status" })).toHaveValue("");
    await expect(paths).toHaveCount(4);
    // The log's own requests refuse it rather than answer for a different filter.
    const refused = await page.request.get(`/api/tunnels/${name}/logs?status=404x`);
    expect(refused.status()).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      "status=“404x” is not a filter",
    );
    expect((await page.request.get(`/api/tunnels/${name}/logs/export?format=csv&ip=1:2`)).status()).toBe(400);

    // "Only 404 answers" in a row's details: that one code, chosen in the form, the notice gone.
    await log.getByRole("button", { name: "Details of GET /missing" }).click();
    await log
      .getByRole("row")
      .filter({ hasText: "What happened" })
      .getByRole("link", { name: "Only 404 answers" })
      .click();
    await expect(page).toHaveURL(/[?&]status=404(&|$)/);
    await expect(page.getByRole("combobox", { name: "Status" })).toHaveValue("404");
    await expect(notice).toHaveCount(0);
    await expect(paths).toHaveCount(1);
    await expect(log.getByRole("button", { name: "Details of GET /missing" })).toHaveCount(1);
    // The class again: every 4xx.
    await page.getByRole("combobox", { name: "Status" }).selectOption("4xx");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/[?&]status=4xx(&|$)/);
    await expect(paths).toHaveCount(2);
    await expect(log.getByRole("row").filter({ hasText: "/gone" })).toHaveCount(1);

    // Deleting the whole log with a filter on: the log is empty, not "no requests match".
    await page.getByRole("button", { name: "Delete all requests…" }).click();
    await page
      .getByRole("dialog", { name: `Delete every request to ${name}?` })
      .getByRole("button", { name: "Delete requests" })
      .click();
    await expect(page.getByRole("paragraph").filter({ hasText: /^The log is empty$/ })).toBeVisible();
    await expect(page.getByText("Every request was deleted, whatever the filters showed.")).toBeVisible();
    // Screen readers hear the same words (the filter status), not "no requests match".
    await expect(page.getByRole("status").filter({ hasText: "The log is empty" })).toHaveCount(1);
    await expect(
      page.getByRole("paragraph").filter({ hasText: "No requests match these filters" }),
    ).toHaveCount(0);
  } finally {
    await deleteRows(burrow.databaseUrl, name);
  }
});

/** Four requests: two under /api (one a 500), a page, and a sign-in whose body holds "hunter2". */
function writeFilterRows(databaseUrl: string, name: string) {
  return withDatabase(databaseUrl, (client) =>
    client.query(
      `INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip, request_body)
       SELECT now() - (5 - i) * interval '1 second', $1, 'GET', path, status, 1.5, '203.0.113.9',
              convert_to(NULLIF(body, ''), 'UTF8')
       FROM unnest($2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS t(path, status, body, i)`,
      [name, ["/api/ok", "/api/broken", "/home", "/login"], [200, 500, 200, 200], ["", "", "", "pw=hunter2"]],
    ),
  );
}

test("each applied filter is a step in the history: Back and Forward show that step's filters and requests", async ({
  page,
  burrow,
}) => {
  const name = unique("history");
  try {
    await signUpQuietly(page);
    await reserveName(page, name);
    await writeFilterRows(burrow.databaseUrl, name);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const rows = log.getByRole("button", { name: /^Details of GET / });
    const status = page.getByRole("combobox", { name: "Status" });
    const path = page.getByLabel("Path contains");
    const body = page.getByLabel("Bodies contain");
    const apply = page.getByRole("button", { name: "Apply filters" });
    const at = (query: string) => new RegExp(`/tunnels/${name}${query.replace("?", "\\?")}$`);

    // From the names page: a Status filter, then a Path filter, then Clear, then a body search.
    await page.getByRole("link", { name, exact: true }).click();
    await expect(rows).toHaveCount(4);
    await status.selectOption("5xx");
    await apply.click();
    await expect(page).toHaveURL(at("?status=5xx"));
    await expect(rows).toHaveCount(1);
    await status.selectOption("");
    await path.fill("/api");
    await apply.click();
    await expect(page).toHaveURL(at("?path=%2Fapi"));
    await expect(rows).toHaveCount(2);
    await page.getByRole("button", { name: "Clear" }).click();
    await expect(page).toHaveURL(at(""));
    await expect(rows).toHaveCount(4);
    await body.fill("hunter2");
    await apply.click();
    await expect(page).toHaveURL(at("?body=hunter2"));
    await expect(rows).toHaveCount(1);

    // Back undoes one filter at a time: the fields and the log are those of the URL it goes to.
    await page.goBack();
    await expect(page).toHaveURL(at(""));
    await expect(body).toHaveValue("");
    await expect(rows).toHaveCount(4);
    await page.goBack();
    await expect(page).toHaveURL(at("?path=%2Fapi"));
    await expect(path).toHaveValue("/api");
    await expect(status).toHaveValue("");
    await expect(rows).toHaveCount(2);
    await expect(log.getByRole("button", { name: "Details of GET /home" })).toHaveCount(0);
    await page.goBack();
    await expect(page).toHaveURL(at("?status=5xx"));
    await expect(status).toHaveValue("5xx");
    await expect(path).toHaveValue("");
    await expect(rows).toHaveCount(1);
    await expect(log.getByRole("button", { name: "Details of GET /api/broken" })).toHaveCount(1);
    await page.goBack();
    await expect(page).toHaveURL(at(""));
    await expect(status).toHaveValue("");
    await expect(rows).toHaveCount(4);
    await page.goBack();
    await expect(page).toHaveURL(/\/names$/);

    // Forward redoes them in order.
    await page.goForward();
    await expect(rows).toHaveCount(4);
    await page.goForward();
    await expect(page).toHaveURL(at("?status=5xx"));
    await page.goForward();
    await expect(page).toHaveURL(at("?path=%2Fapi"));
    await expect(path).toHaveValue("/api");
    await expect(rows).toHaveCount(2);
  } finally {
    await deleteRows(burrow.databaseUrl, name);
  }
});

test("filters chosen while the page is still loading are the ones applied, not reset to Any", async ({
  page,
  burrow,
}) => {
  const name = unique("early");
  try {
    await signUpQuietly(page);
    await reserveName(page, name);
    await writeFilterRows(burrow.databaseUrl, name);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const status = page.getByRole("combobox", { name: "Status" });

    // The page's scripts held back: the form is on screen, but React is not running in it yet.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/_next/static/**/*.js", async (route) => {
      await held;
      await route.continue();
    });
    // The page's event stream opens once it has hydrated (an effect of the page's first render).
    const hydrated = page.waitForRequest((r) => r.url().includes(`/api/tunnels/${name}/events`));
    await page.goto(`/tunnels/${name}`, { waitUntil: "domcontentloaded" });
    await status.selectOption("5xx");
    await page.getByLabel("Path contains").fill("/api");
    release();
    await hydrated;

    await expect(status).toHaveValue("5xx");
    await expect(page.getByLabel("Path contains")).toHaveValue("/api");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/[?&]status=5xx(&|$)/);
    await expect(page).toHaveURL(/[?&]path=%2Fapi(&|$)/);
    await expect(log.getByRole("button", { name: /^Details of GET / })).toHaveCount(1);
    await expect(log.getByRole("button", { name: "Details of GET /api/broken" })).toHaveCount(1);
  } finally {
    await deleteRows(burrow.databaseUrl, name);
  }
});

/**
 * Holds one row of the name's log (the `offset`-th oldest) locked, as a busy database would hold
 * up a big deletion: the deletion stops there, with its progress so far, until `release`.
 */
async function holdRow(databaseUrl: string, name: string, offset: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  // That row alone: FOR UPDATE beside OFFSET would lock every row it skips too.
  await client.query(
    `SELECT id FROM request_logs
     WHERE id = (SELECT id FROM request_logs WHERE name = $1 ORDER BY id OFFSET $2 LIMIT 1) FOR UPDATE`,
    [name, offset],
  );
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= client.query("ROLLBACK").then(() => client.end());
      return released;
    },
  };
}

test("deleting a big log or releasing its name returns at once; the pages show how far the deletion is, then its result", async ({
  page,
  burrow,
}) => {
  test.setTimeout(120_000);
  const name = unique("bigdel");
  const released = unique("bigrel");
  let held: { release(): Promise<void> } | undefined;
  try {
    await signUpQuietly(page);
    await reserveName(page, name);
    await reserveName(page, released);
    await writeRows(burrow.databaseUrl, name, "/old/", 30_000, "1 hour");
    await writeRows(burrow.databaseUrl, released, "/old/", 30_000, "1 hour");

    // Delete all requests: two batches go, then the third waits on the held row.
    held = await holdRow(burrow.databaseUrl, name, 12_000);
    await page.goto(`/tunnels/${name}`);
    await page.getByRole("button", { name: "Delete all requests…" }).click();
    const dialog = page.getByRole("dialog", { name: `Delete every request to ${name}?` });
    await dialog.getByRole("button", { name: "Delete requests" }).click();
    // The dialog closes while the deletion goes on: a proxy's timeout never cuts it off.
    await expect(dialog).toBeHidden({ timeout: 8_000 });
    const progress = page.getByRole("status").filter({ hasText: "Deleting the log…" });
    await expect(progress).toContainText("10,000 of 30,000 requests deleted");
    await expect(page.getByRole("progressbar", { name: `Deleting the log of ${name}` })).toBeVisible();
    // The rows not deleted yet are still shown: the log is not empty yet.
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    await expect(log.getByRole("row").filter({ hasText: "/old/30000" })).toBeVisible();
    await expect(page.getByText("The log is empty")).toHaveCount(0);
    // It is kept in the database, not in the page: a reload still shows it.
    await page.reload();
    await expect(progress).toContainText("10,000 of 30,000 requests deleted");
    await held.release();
    await expect(page.getByText("Deleted 30,000 requests from the log.")).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole("paragraph").filter({ hasText: /^The log is empty$/ })).toBeVisible();
    await expect(progress).toHaveCount(0);

    // Releasing a name with a big log: released at once, its log deleted in the background.
    held = await holdRow(burrow.databaseUrl, released, 12_000);
    await page.goto("/names");
    await page.getByRole("button", { name: `Release ${released}` }).click();
    await page
      .getByRole("dialog", { name: `Release ${released}?` })
      .getByRole("button", { name: "Release name" })
      .click();
    await expect(page.getByText(`Released ${released}.`)).toBeVisible({ timeout: 8_000 });
    const releasing = page.getByRole("status").filter({ hasText: `Deleting the request log of ${released}` });
    await expect(releasing).toContainText("10,000 of 30,000 requests deleted");
    // Until its old log is gone, nobody may reserve the name again (its old visitors would show).
    await page.getByLabel("Name", { exact: true }).fill(released);
    await expect(page.getByText(`${released} is being released`)).toBeVisible();
    await held.release();
    await expect(
      page.getByText(`The request log of ${released} (released) is deleted: 30,000 requests.`),
    ).toBeVisible({
      timeout: 20_000,
    });
    await expect(releasing).toHaveCount(0);
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByLabel("Name", { exact: true }).fill(released);
    await expect(page.getByText(`${released} is available`)).toBeVisible();
  } finally {
    // A held row would hold up the cleanup too.
    await held?.release();
    await deleteRows(burrow.databaseUrl, name);
    await deleteRows(burrow.databaseUrl, released);
  }
});

test("with every search slot of a user taken, a filtered page and Older say so and what to do, and work once they are free", async ({
  page,
  burrow,
}) => {
  test.setTimeout(120_000);
  const name = unique("busy");
  const held: http.ClientRequest[] = [];
  const waiting: Promise<APIResponse>[] = [];
  try {
    await signUpQuietly(page);
    await reserveName(page, name);
    // 120 matches for "Older" to page through, and under them a log big enough (40 MB as CSV) that
    // a download nobody reads stops half-way and keeps its slot.
    await writeRows(burrow.databaseUrl, name, "/match/", 120, "2 hours");
    await withDatabase(burrow.databaseUrl, (client) =>
      client.query(
        `INSERT INTO request_logs (at, name, method, path, status, duration_ms, client_ip)
         SELECT now() - interval '1 hour' + g * interval '1 ms', $1, 'GET', '/bulk/' || g || '/' || repeat('x', 1000),
                200, 1.5, '203.0.113.9'
         FROM generate_series(1, 40000) g`,
        [name],
      ),
    );
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const matches = log.getByRole("row").filter({ hasText: "/match/" });
    await page.goto(`/tunnels/${name}?path=match`);
    await expect(matches).toHaveCount(50);

    // Two downloads under way (the user's two slots), sixteen searches waiting their turn; more are
    // refused at once, as the next one from the page will be.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    for (let i = 0; i < 2; i++)
      held.push(
        await startUnreadDownload(
          `${burrow.dashboardUrl}/api/tunnels/${name}/logs/export?format=csv`,
          cookie,
        ),
      );
    const refusals: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = page.request.get(`/api/tunnels/${name}/logs?status=200&path=bulk`, { timeout: 60_000 });
      waiting.push(answer);
      void answer.then(async (r) => {
        if (r.status() === 429)
          refusals.push(((await r.json()) as { error: { message: string } }).error.message);
      });
    }
    const busy = "You have 18 log searches and downloads under way: wait for some to finish, then try again";
    await expect.poll(() => refusals).toEqual([busy, busy, busy, busy]);

    await page.getByRole("button", { name: "Older" }).click();
    await expect(page.getByText(`${busy}.`)).toBeVisible();
    await expect(matches).toHaveCount(50);
    // A download is refused too, and the page says why (the browser alone would only mark it failed).
    let downloads = 0;
    page.on("download", () => downloads++);
    await page.getByRole("link", { name: "CSV", exact: true }).click();
    await expect(page.getByRole("alert").filter({ hasText: busy })).toBeVisible();

    // A new search: the rest of the page is there, and the log's place says why it is not.
    await page.goto(`/tunnels/${name}?path=match&method=GET`);
    await expect(page.getByRole("status").filter({ hasText: `${busy}.` })).toBeVisible();
    await expect(page.getByTestId("tunnel-status")).toBeVisible();
    await expect(log).toHaveCount(0);

    // The downloads stop; the waiting searches get their answers, and so does the user.
    for (const request of held) request.destroy();
    for (const response of await Promise.all(waiting)) expect([200, 429]).toContain(response.status());
    await page.getByRole("link", { name: "Search again" }).click();
    await expect(matches).toHaveCount(50);
    await expect(page.getByText(busy)).toHaveCount(0);
    await page.getByRole("button", { name: "Older" }).click();
    await expect(matches).toHaveCount(100);
    expect(downloads).toBe(0);
    // Now the download starts: the matches, as the page shows them.
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "CSV", exact: true }).click(),
    ]);
    expect((await readFile((await csv.path()) ?? "", "utf8")).trimEnd().split("\r\n")).toHaveLength(121);
  } finally {
    for (const request of held) request.destroy();
    await Promise.allSettled(waiting);
    await deleteRows(burrow.databaseUrl, name);
  }
});

/**
 * Starts a download of `url` and never reads it past its headers: the dashboard is left holding
 * the download, and its search slot, until the request is destroyed.
 */
function startUnreadDownload(url: string, cookie: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { cookie } }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`the download answered ${response.statusCode}`));
      response.pause();
      resolve(request);
    });
    request.on("error", reject);
  });
}
