import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, reserveName, signUpQuietly, test, unique } from "./support/fixtures.ts";

// QA: rows the chart and the overview counted as errors showed a green 200 in the log, and a replay
// Burrow stopped after 30 s (Send again of an event stream) was listed among Recent errors.
test("the log marks rows that did not end as the app answered, and 5xx finds what the chart counts", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const name = unique("marks");
  await reserveName(page, name);
  await withDatabase(burrow.databaseUrl, (client) =>
    client.query(
      `INSERT INTO request_logs (name, method, path, status, duration_ms, client_ip, error, admission)
       VALUES ($1, 'GET', '/short', 200, 5, '203.0.113.9', 'upstream_aborted', 'PUBLIC'),
              ($1, 'GET', '/sse', 200, 30000, '203.0.113.9', 'replay_stopped', 'REPLAY'),
              ($1, 'GET', '/fine', 200, 3, '203.0.113.9', NULL, 'PUBLIC')`,
      [name],
    ),
  );
  await page.goto(`/tunnels/${name}`);
  const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
  const row = (path: string) => log.getByRole("row").filter({ hasText: path });
  await expect(row("/short").getByRole("cell").nth(4)).toHaveText("200Error: Cut short");
  await expect(row("/short").getByText("Cut short")).toBeVisible();
  await expect(row("/sse").getByRole("cell").nth(4)).toHaveText("200Replay stopped");
  await expect(row("/fine").getByRole("cell").nth(4)).toHaveText("200");
  // Red, as a 5xx, for the one the chart counts; the others keep their status's colour.
  const badge = (path: string) =>
    row(path)
      .getByText("200", { exact: true })
      .evaluate((span) => span.className);
  expect(await badge("/short")).toContain("bg-red-50");
  expect(await badge("/sse")).toContain("bg-emerald-50");
  await page.setViewportSize({ width: 390, height: 800 });
  await row("/short").scrollIntoViewIfNeeded();
  await expect(row("/short").getByText("Cut short")).toBeInViewport({ ratio: 1 });
  await page.setViewportSize({ width: 1280, height: 800 });

  // The chart's count and the 5xx filter agree: one error.
  await expect(page.getByTestId("traffic-summary")).toContainText("1 server error");
  await page.goto(`/tunnels/${name}?status=5xx`);
  await expect(row("/short")).toBeVisible();
  await expect(log.getByRole("row").filter({ hasText: "/" })).toHaveCount(1);

  // Overview: only the cut answer is a recent error.
  await page.goto("/");
  await expect(page.getByRole("link", { name: "GET /short" })).toBeVisible();
  // Said there too, beside its 200.
  await expect(page.getByRole("listitem").filter({ hasText: "GET /short" })).toContainText("200Cut short");
  await expect(page.getByRole("link", { name: "GET /sse" })).toHaveCount(0);
});
