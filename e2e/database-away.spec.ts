import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { freePort } from "../lib/db/embedded.ts";
import { createTestDatabase, type TestDatabase } from "../lib/testing/db.ts";
import { createUser } from "../lib/users/service.ts";
import { startTcpProxy, type TcpProxy } from "../server/testing/tcp-proxy.ts";
import type { BurrowUnderTest } from "./support/burrow-env.ts";
import { expect, test, unique } from "./support/fixtures.ts";

/**
 * A second Burrow, reached through a proxy that can take its database away (the shared one must keep
 * its database for the other specs), on a database of its own: every relay listening on a database
 * carries out the dashboard's commands, so a second relay on the specs' database also answered
 * their replays, as "no ssh client connected" (it has none of their tunnels).
 */
let database: TestDatabase;
let proxy: TcpProxy;
let child: ChildProcess;
let dashboardUrl: string;

test.beforeAll(async ({ burrow }) => {
  test.setTimeout(120_000);
  database = await createTestDatabase("e2eaway");
  // The suite's admin, to sign in as on the shared Burrow.
  await createUser(database.db, { email: burrow.adminEmail, password: burrow.adminPassword, admin: true });
  const direct = new URL(database.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  const [port, httpPort, sshPort] = [await freePort(), await freePort(), await freePort()];
  dashboardUrl = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ["scripts/burrow.mjs", "start"], {
    cwd: join(import.meta.dirname, ".."),
    detached: true,
    stdio: "ignore",
    env: {
      ...process.env,
      DATABASE_URL: proxied.toString(),
      BURROW_DATA_DIR: join(burrow.scratchDir, unique("away")),
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_DOMAIN: "localhost",
      PORT: String(port),
      BURROW_HTTP_PORT: String(httpPort),
      BURROW_SSH_PORT: String(sshPort),
      BURROW_DASHBOARD_URL: dashboardUrl,
    },
  });
  await expect
    .poll(
      () =>
        fetch(`${dashboardUrl}/login`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 100_000 },
    )
    .toBe(200);
});

test.afterAll(async () => {
  if (child?.exitCode === null && child.pid !== undefined) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await proxy?.close();
  await database?.drop();
});

/** Signs in to the second Burrow as the suite's admin. */
async function signInAsAdmin(page: Page, burrow: BurrowUnderTest) {
  await page.goto(`${dashboardUrl}/login`);
  await page.getByLabel("Email").fill(burrow.adminEmail);
  await page.getByLabel("Password").fill(burrow.adminPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/** A fresh name, typed into /names' form until it is said to be available (not reserved yet). */
async function freshAvailableName(page: Page): Promise<string> {
  await page.goto(`${dashboardUrl}/names`);
  const name = unique("away").replaceAll("-", "");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(page.getByText(`${name} is available`)).toBeVisible();
  return name;
}

test("a form sent while the database is away says so, and works once it is back", async ({
  page,
  burrow,
}) => {
  await signInAsAdmin(page, burrow);
  const name = await freshAvailableName(page);
  proxy.cut();
  try {
    await page.getByRole("button", { name: "Reserve" }).click();
    await expect(
      page.getByText("Burrow cannot reach its database right now. Try again in a moment."),
    ).toBeVisible();
  } finally {
    proxy.restore();
  }
  // Back: the same form, sent again, goes through.
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByText(`Reserved ${name}.`)).toBeVisible();
});

test("while the database is away, the overview, the tunnel page with its request log and /names say so, not that the dashboard is unreachable", async ({
  page,
  burrow,
}) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page, burrow);
  const name = await freshAvailableName(page);
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page.getByText(`Reserved ${name}.`)).toBeVisible();
  const names = page;
  const overview = await page.context().newPage();
  await overview.goto(dashboardUrl);
  const tunnel = await page.context().newPage();
  await tunnel.goto(`${dashboardUrl}/tunnels/${name}`);
  await expect(tunnel.getByText("Not connected", { exact: true })).toBeVisible();

  // The dashboard answers, with a 503: its event streams end (the pages poll) and so do its polls.
  proxy.cut();
  try {
    const away = /^Not updating: Burrow cannot reach its database · as of \d\d:\d\d:\d\d · retrying…$/;
    await expect(overview.getByTestId("not-updating")).toHaveText(away, { timeout: 30_000 });
    // Its status and its request log's live tail (the traffic chart, which looks once a minute while
    // the page's event stream is up, says so at its next look).
    const tunnelViews = tunnel.getByTestId("not-updating");
    await expect.poll(() => tunnelViews.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect(tunnelViews.first()).toHaveText(away);
    await expect(tunnelViews.last()).toHaveText(away);
    await expect(names.getByTestId("not-updating")).toHaveText(away, { timeout: 30_000 });
    await expect(tunnel.getByText(/cannot reach the dashboard/)).toHaveCount(0);
  } finally {
    proxy.restore();
  }
  // Back: each says nothing more at its next look.
  for (const view of [overview, tunnel, names]) {
    await expect(view.getByTestId("not-updating")).toHaveCount(0, { timeout: 30_000 });
  }
});
