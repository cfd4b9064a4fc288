import http from "node:http";
import { withDatabase } from "../lib/testing/with-database.ts";
import { expect, test } from "./support/fixtures.ts";
import { onlineTunnelToHeldApp, startHeldApp } from "./support/held-app.ts";
import type { Tunnel } from "./support/ssh.ts";

// QA: a request the tunnel's app had not answered yet was not in the log until it ended, so an
// owner debugging a hung endpoint saw nothing.
test("a request the app holds is in the log as waiting, and its row is completed when the app answers", async ({
  page,
  burrow,
}) => {
  // The e2e Burrow writes a waiting request's row 2-2.4 s after it came
  // (BURROW_LOG_WAITING_AFTER_SECONDS, global-setup.ts).
  test.setTimeout(90_000);
  const app = await startHeldApp({ status: 201, body: "report ready" });
  let tunnel: Tunnel | undefined;
  try {
    // A request that was waiting when its relay crashed, an hour ago: its tunnel's session has
    // ended since (a relay that starts ends those of relays gone), so it is not waiting any more.
    const crashedRequest = ({ name, email }: { name: string; email: string }) =>
      withDatabase(burrow.databaseUrl, async (client) => {
        const session = await client.query<{ id: string }>(
          `INSERT INTO tunnel_sessions (id, name, user_id, client_ip, started_at, ended_at, end_reason)
           SELECT $1 || '-crashed', $1, id, '127.0.0.1', now() - interval '2 hours',
                  now() - interval '1 hour', 'relay_restart'
           FROM users WHERE email = $2 RETURNING id`,
          [name, email],
        );
        await client.query(
          `INSERT INTO request_logs (at, name, session_id, method, path, status, duration_ms, client_ip,
                                     admission, open, stream_key)
           VALUES (now() - interval '90 minutes', $1, $2, 'GET', '/before-the-crash', 0, 10000,
                   '203.0.113.9', 'PUBLIC', true, 'crashed-key')`,
          [name, session.rows[0]!.id],
        );
      });
    const online = await onlineTunnelToHeldApp(page, burrow, app, "waiting", crashedRequest);
    tunnel = online.tunnel;
    const name = online.name;
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const crashed = log.getByRole("row").filter({ hasText: "/before-the-crash" });
    await expect(crashed.getByRole("cell").nth(4)).toHaveText("No answer");
    await expect(crashed.getByRole("cell").nth(5)).toHaveText("Unknown");

    const visitor = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(
        {
          host: "127.0.0.1",
          port: burrow.httpPort,
          path: "/slow-report",
          headers: { host: `${name}.localhost:${burrow.httpPort}` },
          setHost: false,
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
    });

    // The request's own row (its details, once open, are a row of the table too).
    const rows = log
      .getByRole("row")
      .filter({ has: page.getByRole("button", { name: "Details of GET /slow-report" }) });
    // In the log while the app still holds it, marked as waiting, its time counting up.
    await expect(rows).toHaveCount(1, { timeout: 30_000 });
    await expect(rows.getByRole("cell").nth(4)).toHaveText("Waitingfor your app");
    const waited = rows.getByRole("cell").nth(5);
    await expect(waited).toHaveText(/^\d+ s$/);
    const before = Number((await waited.textContent())?.replace(" s", ""));
    await expect
      .poll(async () => Number((await waited.textContent())?.replace(" s", "")), { timeout: 5_000 })
      .toBeGreaterThan(before);
    await rows.getByRole("button", { name: "Details of GET /slow-report" }).click();
    await expect(page.getByText("Waiting for your app to answer", { exact: false })).toBeVisible();
    // Its details say the same, with the log's count, rather than "still open" (an open stream's
    // words) or a status 0.
    const details = page.getByRole("definition");
    const when = details.filter({ hasText: /waiting for your app's answer/ });
    await expect(when).toHaveText(/ · waiting for your app's answer: \d+ s so far$/);
    const waitedInDetails = async () =>
      Number(/: (\d+) s so far/.exec((await when.textContent()) ?? "")?.[1]);
    const first = await waitedInDetails();
    await expect.poll(waitedInDetails, { timeout: 5_000 }).toBeGreaterThan(first);
    await expect(details.filter({ hasText: "still open" })).toHaveCount(0);
    await expect(details.filter({ hasText: "None yet: your app has not answered." })).toHaveCount(1);
    await expect(page.getByRole("link", { name: /Only 0 answers/ })).toHaveCount(0);

    app.answer();
    expect(await visitor).toEqual({ status: 201, body: "report ready" });
    // Completed in place: the same row now says what the app answered, and no second row came.
    await expect(rows.getByRole("cell").nth(4)).toHaveText("201", { timeout: 15_000 });
    await expect(rows.getByRole("cell").nth(5)).toHaveText(/^\d+\.\d+ s$/);
    await expect(rows).toHaveCount(1);
    await expect(page.getByText("Your app answered 201.")).toBeVisible();
    // The open details follow: the time it took, and the app's headers.
    await expect(details.filter({ hasText: /waiting for your app's answer/ })).toHaveCount(0);
    await expect(details.filter({ hasText: / · took \d+\.\d+ s$/ })).toHaveCount(1);
    await expect(details.filter({ hasText: "None yet" })).toHaveCount(0);
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});
