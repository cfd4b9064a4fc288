import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../lib/db/embedded.ts";
import { createTestDatabase, testServerUrl } from "../lib/testing/db.ts";
import { createUser } from "../lib/users/service.ts";
import { publishBurrow } from "./support/burrow-env.ts";

const root = join(import.meta.dirname, "..");
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Starts Burrow the way a user does (`burrow start`) against a fresh database, and returns the
 * teardown. Refuses to run against anything but a local PostgreSQL server: the specs create
 * accounts and the teardown drops a database.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const server = new URL(testServerUrl());
  if (!LOCAL_HOSTS.has(server.hostname)) {
    throw new Error(`Refusing to run the browser tests against ${server.hostname}: use a local test server`);
  }
  const database = await createTestDatabase("e2e");
  // The data dir inside it is left for `burrow start` to create, as on a fresh install.
  const scratchDir = await mkdtemp(join(tmpdir(), "burrow-e2e-"));
  const [port, httpPort, sshPort] = [await freePort(), await freePort(), await freePort()];
  const adminEmail = `admin-${Date.now()}@e2e.test`;
  const adminPassword = "admin-password-e2e";
  // The first account becomes the admin; create it here so that specs signing up are plain users.
  await createUser(database.db, { email: adminEmail, password: adminPassword, admin: true });

  // Exactly what `npm start` runs: the bundled CLI on plain Node.
  const child = spawn(process.execPath, ["scripts/burrow.mjs", "start"], {
    cwd: root,
    detached: true, // its own process group, so teardown reaches Next and the relay too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      BURROW_DATA_DIR: join(scratchDir, "data"),
      BURROW_LISTEN_HOST: "127.0.0.1",
      BURROW_DOMAIN: "localhost",
      PORT: String(port),
      BURROW_HTTP_PORT: String(httpPort),
      BURROW_SSH_PORT: String(sshPort),
      BURROW_SSH_HOST: "127.0.0.1",
      BURROW_DASHBOARD_URL: `http://127.0.0.1:${port}`,
      // A request the app holds is written as waiting after 2-2.4 s rather than 10-12 s, so the
      // waiting-* specs do not sit out the default. Every spec shares this Burrow; none depends on
      // the 10 s (a slower request elsewhere is written waiting, then completed in place).
      BURROW_LOG_WAITING_AFTER_SECONDS: "2",
    },
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (process.env.BURROW_E2E_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const dashboardUrl = `http://127.0.0.1:${port}`;
  const teardown = async () => {
    await stopProcessGroup(child);
    await database.drop().catch((e: unknown) => console.error("e2e: dropping the database:", e));
    await rm(scratchDir, { recursive: true, force: true });
  };
  try {
    await waitForDashboard(`${dashboardUrl}/login`, child, output);
  } catch (error) {
    await teardown();
    throw error;
  }
  publishBurrow({
    dashboardUrl,
    httpPort,
    sshPort,
    databaseUrl: database.url,
    adminEmail,
    adminPassword,
    scratchDir,
  });
  return teardown;
}

/** Polls until the login page answers; a first start builds the dashboard, which takes a while. */
async function waitForDashboard(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`burrow start exited with ${child.exitCode}:\n${output.join("").slice(-4000)}`);
    }
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `The dashboard did not answer at ${url} within 5 minutes:\n${output.join("").slice(-4000)}`,
  );
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const done = new Promise((resolve) => child.once("exit", resolve));
  // SIGTERM to the CLI lets it stop Next and drain the relay; the group kill is the backstop.
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  }, 15_000);
  await done;
  clearTimeout(timer);
}
