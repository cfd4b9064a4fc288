import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../lib/db/embedded.ts";
import { startTcpProxy, type TcpProxy } from "../server/testing/tcp-proxy.ts";
import { expect, test, unique } from "./support/fixtures.ts";

/**
 * A second Burrow on the specs' database, reached through a proxy that can take the database away
 * (the shared one must keep its database for the other specs).
 */
let proxy: TcpProxy;
let child: ChildProcess;
let dashboardUrl: string;

test.beforeAll(async ({ burrow }) => {
  test.setTimeout(120_000);
  const direct = new URL(burrow.databaseUrl);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(burrow.databaseUrl);
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
});

test("a form sent while the database is away says so, and works once it is back", async ({
  page,
  burrow,
}) => {
  await page.goto(`${dashboardUrl}/login`);
  await page.getByLabel("Email").fill(burrow.adminEmail);
  await page.getByLabel("Password").fill(burrow.adminPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();

  await page.goto(`${dashboardUrl}/names`);
  const name = unique("away").replaceAll("-", "");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(page.getByText(`${name} is available`)).toBeVisible();
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
