/**
 * Fixtures for the sharing specs: an owner with a key and reserved names made straight in the
 * database (the sign-up and names pages have their own specs), a local app that echoes what it
 * received (a WebSocket echo too), and tunnels from the real OpenSSH client.
 */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext } from "@playwright/test";
import { WebSocketServer } from "ws";
import { createDb, type Db } from "../../lib/db.ts";
import { reserveName } from "../../lib/names/service.ts";
import { addKey } from "../../lib/ssh-keys/service.ts";
import { createUser } from "../../lib/users/service.ts";
import type { BurrowUnderTest } from "../support/burrow-env.ts";
import { expect, PASSWORD, signInQuietly, unique } from "../support/fixtures.ts";
import { generateKey, startTunnel, type Tunnel } from "../support/ssh.ts";

/** What the echo app saw, rendered into its page (and readable by the spec). */
export interface Echo {
  path: string;
  host: string | null;
  cookie: string | null;
  authorization: string | null;
}

export interface EchoApp {
  port: number;
  /** Every request the app received, in order. */
  seen: Echo[];
  close(): Promise<void>;
}

/**
 * The "developer's laptop": answers every request with a page whose heading is "the local app"
 * and a JSON block of the path, Host, Cookie and Authorization it received; a WebSocket to /ws
 * echoes each message ("echo: …"), compressed when the browser offers permessage-deflate.
 */
export async function startEchoApp(): Promise<EchoApp> {
  const seen: Echo[] = [];
  const server: Server = createServer((req, res) => {
    const echo: Echo = {
      path: req.url ?? "",
      host: req.headers.host ?? null,
      cookie: req.headers.cookie ?? null,
      authorization: req.headers.authorization ?? null,
    };
    seen.push(echo);
    const json = JSON.stringify(echo).replace(/</g, "\\u003c");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>local app</title><h1>the local app</h1><pre id="echo">${json}</pre>`);
  });
  const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== "/ws") return socket.destroy();
    sockets.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(isBinary ? data : `echo: ${data}`, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const ws of sockets.clients) ws.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SharingWorld {
  db: Db;
  owner: { id: string; email: string; password: string };
  app: EchoApp;
  /** Reserves a name for the owner. */
  reserve(name: string): Promise<void>;
  /** Reserves a name for the owner (unless `reserve` did) and connects a tunnel to the echo app. */
  connect(name?: string): Promise<string>;
  /** Ends the ssh sessions `connect` started for the name (the ssh client exits). */
  disconnect(name: string): Promise<void>;
  /** Connects a tunnel to the echo app without a name (-R 80:…); returns the random name it got. */
  connectRandom(): Promise<string>;
  /** The public URL of a name, e.g. http://name.localhost:8080 */
  url(name: string): string;
  /** A browser context signed in to the dashboard as the owner. */
  ownerContext(browser: Browser): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function createSharingWorld(burrow: BurrowUnderTest): Promise<SharingWorld> {
  const db = createDb(burrow.databaseUrl, { max: 2, applicationName: "burrow-e2e-sharing" });
  const email = `${unique("owner")}@e2e.test`;
  const user = await createUser(db, { email, password: PASSWORD });
  const key = await generateKey(await mkdtemp(join(tmpdir(), "burrow-e2e-sharing-")));
  await addKey(db, user.id, { label: "e2e", publicKey: key.publicKey });
  const app = await startEchoApp();
  const tunnels: Tunnel[] = [];
  const tunnelsByName = new Map<string, Tunnel[]>();
  const url = (name: string) => `http://${name}.localhost:${burrow.httpPort}`;
  return {
    db,
    owner: { id: user.id, email, password: PASSWORD },
    app,
    url,
    async reserve(name) {
      await reserveName(db, user.id, name, { maxNames: 100 });
    },
    async connect(name = unique("share")) {
      const reserved = await db.reservation.findUnique({ where: { name }, select: { userId: true } });
      if (reserved?.userId !== user.id) await reserveName(db, user.id, name, { maxNames: 100 });
      const tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
      tunnels.push(tunnel);
      tunnelsByName.set(name, [...(tunnelsByName.get(name) ?? []), tunnel]);
      // Public until told otherwise: the app answering through the relay means the tunnel is up.
      await expect
        .poll(async () => (await curl(burrow, name, "/").catch(() => undefined))?.status, { timeout: 20_000 })
        .toBe(200);
      return name;
    },
    async disconnect(name) {
      for (const tunnel of tunnelsByName.get(name) ?? []) await tunnel.stop();
      tunnelsByName.delete(name);
    },
    async connectRandom() {
      const tunnel = startTunnel({ key, name: null, sshPort: burrow.sshPort, localPort: app.port });
      tunnels.push(tunnel);
      // Names this owner already has up are not this tunnel's.
      const before = await db.tunnelSession.findMany({
        where: { userId: user.id, randomName: true, endedAt: null },
        select: { name: true },
      });
      let name: string | undefined;
      await expect
        .poll(
          async () => {
            const session = await db.tunnelSession.findFirst({
              where: {
                userId: user.id,
                randomName: true,
                endedAt: null,
                name: { notIn: before.map((s) => s.name) },
              },
            });
            name = session?.name;
            return name && (await curl(burrow, name, "/").catch(() => undefined))?.status;
          },
          { timeout: 20_000 },
        )
        .toBe(200);
      return name!;
    },
    async ownerContext(browser) {
      const context = await browser.newContext({ baseURL: burrow.dashboardUrl });
      const page = await context.newPage();
      await signInQuietly(page, email, PASSWORD);
      await page.close();
      return context;
    },
    async close() {
      for (const tunnel of tunnels) await tunnel.stop();
      await app.close();
      await db.$disconnect();
    },
  };
}

const run = promisify(execFile);

export interface CurlResult {
  status: number;
  headers: string;
  body: string;
  /** What the echo app reported, when the request reached it. */
  echo: Echo | undefined;
}

/**
 * The real curl against a tunnel, as a user's script would call it (`--resolve` maps the name to
 * the relay on loopback, since `*.localhost` resolution outside browsers varies).
 */
export async function curl(
  burrow: BurrowUnderTest,
  name: string,
  path: string,
  args: string[] = [],
): Promise<CurlResult> {
  const host = `${name}.localhost`;
  const { stdout } = await run("curl", [
    "-s",
    "-i",
    "--max-time",
    "10",
    "--resolve",
    `${host}:${burrow.httpPort}:127.0.0.1`,
    ...args,
    `http://${host}:${burrow.httpPort}${path}`,
  ]);
  const split = stdout.indexOf("\r\n\r\n");
  const headers = stdout.slice(0, split);
  const body = stdout.slice(split + 4);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
  const json = /<pre id="echo">(.*)<\/pre>/.exec(body)?.[1];
  return { status, headers, body, echo: json ? (JSON.parse(json) as Echo) : undefined };
}
