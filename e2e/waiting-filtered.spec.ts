import http from "node:http";
import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, test } from "./support/fixtures.ts";
import { onlineTunnelToHeldApp, startHeldApp } from "./support/held-app.ts";
import type { Tunnel } from "./support/ssh.ts";

/** A visitor's request through the relay; resolves with the status the app (or relay) answered. */
function visit(port: number, name: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path, headers: { host: `${name}.localhost:${port}` }, setHost: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
  });
}

// QA: with the Status filter on 5xx and the live tail on, a slow request that ended as a 504 never
// showed up: it was written waiting (no status: left out), and once answered its id was behind the
// tail. Without filters it worked (its open row was refreshed).
test("with Status 5xx and the live tail on, a request answered 504 after waiting shows up once, in its place", async ({
  page,
  burrow,
}) => {
  // The e2e Burrow writes a waiting request's row 2-2.4 s after it came
  // (BURROW_LOG_WAITING_AFTER_SECONDS, global-setup.ts); the rest is the dashboard's polling.
  test.setTimeout(90_000);
  const app = await startHeldApp({ status: 504, body: "upstream timed out" }, (path) =>
    path.startsWith("/broken") ? 500 : 200,
  );
  let tunnel: Tunnel | undefined;
  try {
    const online = await onlineTunnelToHeldApp(page, burrow, app, "waiting5xx");
    tunnel = online.tunnel;
    const name = online.name;
    await page.getByRole("combobox", { name: "Status" }).selectOption("5xx");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/[?&]status=5xx(&|$)/);
    await expect(page.getByRole("checkbox", { name: "Live tail" })).toBeChecked();
    // Gone if the page loads again: the request must come without a reload.
    await page.evaluate(() => Reflect.set(window, "burrowSameDocument", true));

    const visitor = visit(burrow.httpPort, name, "/slow-report");
    // Written waiting (status 0, open) while the app holds it.
    await expect
      .poll(
        () =>
          withDatabase(burrow.databaseUrl, async (client) => {
            const found = await client.query(
              "SELECT 1 FROM request_logs WHERE name = $1 AND path = '/slow-report' AND status = 0 AND open",
              [name],
            );
            return found.rowCount;
          }),
        { timeout: 30_000, intervals: [500] },
      )
      .toBe(1);
    // A 500 after it: once it is shown, the live tail has looked past the waiting request's row.
    expect(await visit(burrow.httpPort, name, "/broken")).toBe(500);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const details = log.getByRole("button", { name: /^Details of GET / });
    await expect(details).toHaveAccessibleName("Details of GET /broken");
    const slow = log
      .getByRole("row")
      .filter({ has: page.getByRole("button", { name: "Details of GET /slow-report" }) });
    await expect(slow, "no status yet: the 5xx filter leaves it out while it waits").toHaveCount(0);

    app.answer();
    expect(await visitor).toBe(504);
    // In its place by id: written before the 500, so under it (newest first).
    await expect(slow.getByRole("cell").nth(4)).toHaveText("504", { timeout: 15_000 });
    await expect(details).toHaveCount(2);
    expect(await details.evaluateAll((buttons) => buttons.map((b) => b.getAttribute("aria-label")))).toEqual([
      "Details of GET /broken",
      "Details of GET /slow-report",
    ]);
    // Once: the next looks (another 500 brings one) do not add it again.
    expect(await visit(burrow.httpPort, name, "/broken-again")).toBe(500);
    await expect(details.first()).toHaveAccessibleName("Details of GET /broken-again");
    await expect(slow).toHaveCount(1);
    await expect(details).toHaveCount(3);
    expect(await page.evaluate(() => Reflect.get(window, "burrowSameDocument"))).toBe(true);
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});

// The first poll knew only what it saw: a request waiting when the page was rendered (left out of
// its 5xx page) and answered before that poll was in neither, its id behind the tail, and never
// showed. The page hands the tail the requests it left out waiting.
test("with Status 5xx, a request waiting when the page is rendered and answered 504 before the first poll shows up", async ({
  page,
  burrow,
}) => {
  test.setTimeout(90_000);
  const app = await startHeldApp({ status: 504, body: "upstream timed out" });
  let tunnel: Tunnel | undefined;
  try {
    const online = await onlineTunnelToHeldApp(page, burrow, app, "waitfirst");
    tunnel = online.tunnel;
    const name = online.name;

    const visitor = visit(burrow.httpPort, name, "/slow-report");
    const slowStatus = () =>
      withDatabase(burrow.databaseUrl, async (client) => {
        const found = await client.query<{ status: number }>(
          "SELECT status FROM request_logs WHERE name = $1 AND path = '/slow-report'",
          [name],
        );
        return found.rows[0]?.status;
      });
    // Written waiting (status 0) while the app holds it.
    await expect.poll(slowStatus, { timeout: 30_000, intervals: [500] }).toBe(0);

    // The live tail's looks wait until the answer is in the log: the first one comes after it,
    // every time.
    let polled = () => {};
    const firstPoll = new Promise<void>((resolve) => {
      polled = resolve;
    });
    let release = () => {};
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(
      (url) => url.pathname === `/api/tunnels/${name}/logs` && url.searchParams.has("after"),
      async (route) => {
        polled();
        await answered;
        await route.continue();
      },
    );
    await page.goto(`/tunnels/${name}?status=5xx`);
    await expect(page.getByRole("combobox", { name: "Status" })).toHaveValue("5xx");
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const slow = log
      .getByRole("row")
      .filter({ has: page.getByRole("button", { name: "Details of GET /slow-report" }) });
    await firstPoll;
    await expect(slow, "no status yet: the 5xx page leaves it out").toHaveCount(0);

    app.answer();
    expect(await visitor).toBe(504);
    await expect.poll(slowStatus, { timeout: 15_000, intervals: [250] }).toBe(504);
    release();
    await expect(slow.getByRole("cell").nth(4)).toHaveText("504", { timeout: 15_000 });
    await expect(slow).toHaveCount(1);
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});
