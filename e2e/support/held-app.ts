/**
 * For the waiting-* specs: a local app that holds GET /slow-report until the spec answers it, and a
 * new account whose tunnel to that app is online on its tunnel page.
 */
import { mkdtemp } from "node:fs/promises";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { reserveName } from "../../lib/names/service.ts";
import { addKey } from "../../lib/ssh-keys/service.ts";
import type { BurrowUnderTest } from "./burrow-env.ts";
import { expect, signUpQuietly, suiteDb, unique } from "./fixtures.ts";
import { generateKey, startTunnel, type Tunnel } from "./ssh.ts";

export interface HeldApp {
  port: number;
  /** Answers the held /slow-report with `answer`'s status, text/plain, and its body. */
  answer(): void;
  close(): Promise<void>;
}

/** The app: /slow-report waits for `answer()`; any other path gets `quick(path)`'s status at once. */
export async function startHeldApp(
  answer: { status: number; body: string },
  quick: (path: string) => number = () => 200,
): Promise<HeldApp> {
  let send = () => {};
  const server: Server = http.createServer((req, res) => {
    if (req.url === "/slow-report") {
      send = () => res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
      return;
    }
    res.writeHead(quick(req.url ?? "")).end("quick");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    answer: () => send(),
    // A held request left unanswered (a failed spec) must not keep close() waiting.
    close: () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

/**
 * A new account signed in on `page` (made in the database: sign-up, keys and names have their own
 * specs) with a fresh key and a name `<prefix>-…`; runs
 * `beforeTunnel` (to put rows in the log first), connects the tunnel to `app` and waits on the
 * tunnel page until it says Online. The caller stops the tunnel.
 */
export async function onlineTunnelToHeldApp(
  page: Page,
  burrow: BurrowUnderTest,
  app: HeldApp,
  prefix: string,
  beforeTunnel?: (account: { name: string; email: string }) => Promise<void>,
): Promise<{ name: string; email: string; tunnel: Tunnel }> {
  const key = await generateKey(await mkdtemp(join(tmpdir(), `burrow-e2e-${prefix}-`)));
  const { id, email } = await signUpQuietly(page);
  await addKey(suiteDb(), id, { label: "e2e", publicKey: key.publicKey });
  const name = unique(prefix);
  await reserveName(suiteDb(), id, name, { maxNames: 100 });
  await beforeTunnel?.({ name, email });
  const tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
  try {
    await page.goto(`/tunnels/${name}`);
    await expect(page.getByTestId("tunnel-status")).toHaveText("Online", { timeout: 20_000 });
  } catch (error) {
    await tunnel.stop();
    throw error;
  }
  return { name, email, tunnel };
}
