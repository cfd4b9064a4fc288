/**
 * Connections that outlive the request the gate checked: WebSockets and event streams, through the
 * real relay, a real `ssh -R` and Postgres. The dashboard's services change access (revoke a link,
 * set a new password, narrow the allowed addresses) and their notification reaches the relay's
 * control channel; a link's expiry needs no notification. What was open with the access that ended
 * is cut within seconds (the cache trusts its state for a minute here, so nothing else could explain
 * it), what was open with other access stays, and the log says why.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import {
  createShareLink,
  removeShareLinks,
  revokeShareLink,
  setAccessSettings,
  setAllowedAddresses,
} from "../../lib/sharing/service.ts";
import { startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";

let harness: TestRelay;
let owner: TestUser;
let app: http.Server;
let wss: WebSocketServer;
let appPort: number;

before(async () => {
  harness = await startTestRelay({}, { accessGate: { notifiedCacheTtlMs: 60_000 } });
  await harness.waitFor(() => harness.relay.controlListening, "the control channel");
  owner = await harness.createUserWithKey();
  // An app with an endless event stream and a WebSocket that echoes.
  app = http.createServer((req, res) => {
    if (req.url === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write("data: hello\n\n");
      const ticker = setInterval(() => res.write("data: tick\n\n"), 100);
      res.on("close", () => clearInterval(ticker));
      return;
    }
    res.end("ok");
  });
  wss = new WebSocketServer({ server: app });
  wss.on("connection", (ws) => ws.on("message", (data) => ws.send(data)));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appPort = (app.address() as AddressInfo).port;
});

after(async () => {
  wss?.close();
  app?.closeAllConnections();
  await new Promise((resolve) => app?.close(resolve));
  await harness?.close();
});

async function tunnelFor(name: string): Promise<void> {
  await harness.reserve(owner, name);
  await harness.startSsh({ user: owner, forwards: [`${name}:80:127.0.0.1:${appPort}`] });
}

const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(";")[0]!;
const basic = (password: string) => `Basic ${Buffer.from(`:${password}`).toString("base64")}`;

/** Opens a share link and returns the cookie it sets. */
async function openLink(name: string, token: string): Promise<string> {
  const opened = await harness.fetchTunnel(name, `/?burrow_share=${token}`);
  assert.equal(opened.status, 303);
  return cookieOf(opened.headers["set-cookie"]);
}

interface OpenSocket {
  ws: WebSocket;
  closed: Promise<void>;
  isClosed(): boolean;
  /** The close code and reason the visitor's WebSocket got (1006 and "" when cut without a frame). */
  closedWith(): { code: number; reason: string } | undefined;
  /** Resolves when the app echoed a message, i.e. the connection still carries data both ways. */
  echoes(): Promise<boolean>;
}

function openSocket(
  name: string,
  headers: Record<string, string>,
  options: { localAddress?: string } = {},
): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${harness.httpPort}/live`, {
      headers: { host: `${name}.${harness.config.BURROW_DOMAIN}`, ...headers },
      localAddress: options.localAddress,
    });
    let closed = false;
    let closedWith: { code: number; reason: string } | undefined;
    const closedPromise = new Promise<void>((done) =>
      ws.once("close", (code, reason) => {
        closed = true;
        closedWith = { code, reason: reason.toString() };
        done();
      }),
    );
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once("error", reject);
    ws.once("open", () =>
      resolve({
        ws,
        closed: closedPromise,
        isClosed: () => closed,
        closedWith: () => closedWith,
        echoes: () =>
          new Promise((answered) => {
            const text = `ping ${Math.random()}`;
            const onMessage = (data: Buffer) => {
              if (data.toString() === text) answered(true);
            };
            ws.on("message", onMessage);
            ws.send(text);
          }),
      }),
    );
  });
}

interface OpenStream {
  ended: Promise<void>;
  isEnded(): boolean;
  /** Resolves once another event arrived after this call. */
  nextEvent(): Promise<void>;
}

function openStream(name: string, headers: Record<string, string>): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: harness.httpPort,
        path: "/events",
        agent: false,
        headers: { host: `${name}.${harness.config.BURROW_DOMAIN}`, accept: "text/event-stream", ...headers },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`refused ${res.statusCode}`));
          return;
        }
        let ended = false;
        const endedPromise = new Promise<void>((done) =>
          res.once("close", () => {
            ended = true;
            done();
          }),
        );
        res.on("error", () => {});
        let waiters: (() => void)[] = [];
        res.on("data", () => {
          const woken = waiters;
          waiters = [];
          for (const wake of woken) wake();
        });
        resolve({
          ended: endedPromise,
          isEnded: () => ended,
          nextEvent: () => new Promise((wake) => waiters.push(wake)),
        });
      },
    );
    req.on("error", reject);
  });
}

/** The log row of the name's connection that Burrow closed. */
async function revokedRows(name: string) {
  return harness.db.requestLog.findMany({ where: { name, error: "access_revoked" } });
}

test("revoking a share link closes the WebSockets opened with it within seconds; other links' stay", async () => {
  await tunnelFor("revoked");
  await setAccessSettings(harness.db, owner.id, "revoked", { mode: "LINKS" });
  const linkA = await createShareLink(harness.db, owner.id, "revoked", { label: "Ana", expiry: "never" });
  const linkB = await createShareLink(harness.db, owner.id, "revoked", { label: "Ben", expiry: "1d" });
  const cookieA = await harness.waitFor(
    () => openLink("revoked", linkA.token).catch(() => undefined),
    "links-only mode to apply",
  );
  const cookieB = await openLink("revoked", linkB.token);
  const ana = await openSocket("revoked", { cookie: cookieA });
  const ben = await openSocket("revoked", { cookie: cookieB });
  assert.equal(await ana.echoes(), true);

  await revokeShareLink(harness.db, owner.id, "revoked", linkA.link.id);
  await harness.waitFor(() => ana.isClosed(), "Ana's WebSocket to be closed", 5_000);
  // Told why with a close frame (a browser's app sees 1008, not a dropped network, 1006).
  assert.deepEqual(ana.closedWith(), { code: 1008, reason: "Access to this tunnel ended" });
  assert.equal(await ben.echoes(), true, "Ben's link was not revoked: his WebSocket still works");
  assert.equal(ben.isClosed(), false);
  await assert.rejects(openSocket("revoked", { cookie: cookieA }), /refused 403/);

  const [row] = await harness.waitFor(
    async () => ((await revokedRows("revoked")).length === 1 ? revokedRows("revoked") : undefined),
    "the closed connection's log row",
  );
  assert.equal(row?.upgrade, true);
  assert.equal(row?.status, 101);
  assert.equal(row?.shareLinkId, linkA.link.id);
  ben.ws.close();
});

test("removing a used-up link from the list closes what its visitor still had open", async () => {
  await tunnelFor("tidied");
  await setAccessSettings(harness.db, owner.id, "tidied", { mode: "LINKS" });
  const once = await createShareLink(harness.db, owner.id, "tidied", {
    label: "Cleo",
    expiry: "never",
    maxUses: 1,
  });
  const other = await createShareLink(harness.db, owner.id, "tidied", { label: "Dan", expiry: "never" });
  // A link with a use limit is opened by confirming (curl -d token=…, as the README says).
  const cookie = await harness.waitFor(async () => {
    const answer = await harness.fetchTunnel("tidied", "/__burrow/share", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: once.token, next: "/" }).toString(),
    });
    return answer.status === 303 ? cookieOf(answer.headers["set-cookie"]) : undefined;
  }, "links-only mode to apply");
  const cleo = await openSocket("tidied", { cookie });
  const dan = await openSocket("tidied", { cookie: await openLink("tidied", other.token) });
  assert.equal(await cleo.echoes(), true, "a used-up link's visitor stays in");

  // Used up, so it no longer works for anyone new: the owner tidies the list.
  assert.equal(await removeShareLinks(harness.db, owner.id, "tidied", "inactive"), 1);
  await harness.waitFor(() => cleo.isClosed(), "Cleo's WebSocket to be closed", 5_000);
  assert.deepEqual(cleo.closedWith(), { code: 1008, reason: "Access to this tunnel ended" });
  assert.equal(await dan.echoes(), true, "another link's visitor goes on");
  await assert.rejects(openSocket("tidied", { cookie }), /refused 403/);
  dan.ws.close();
});

test("a new password ends event streams and WebSockets signed in with the old one (cookie or Basic)", async () => {
  await tunnelFor("passworded");
  await setAccessSettings(harness.db, owner.id, "passworded", { mode: "PASSWORD", password: "first one" });
  const signedIn = await harness.waitFor(
    () => signInWith("passworded", "first one"),
    "password mode to apply",
  );
  const stream = await openStream("passworded", { cookie: signedIn });
  await stream.nextEvent();
  const socket = await openSocket("passworded", { authorization: basic("first one") });
  assert.equal(await socket.echoes(), true);

  // Changing only the mode's other settings keeps them: the same password still admits.
  await setAllowedAddresses(harness.db, owner.id, "passworded", { addresses: "" });
  assert.equal(await socket.echoes(), true);
  await stream.nextEvent();

  await setAccessSettings(harness.db, owner.id, "passworded", { mode: "PASSWORD", password: "second one" });
  await harness.waitFor(() => stream.isEnded() && socket.isClosed(), "both to be closed", 5_000);
  await assert.rejects(openStream("passworded", { cookie: signedIn }), /refused 401/);
  await assert.rejects(openSocket("passworded", { authorization: basic("first one") }), /refused 401/);

  const rows = await harness.waitFor(async () => {
    const found = await revokedRows("passworded");
    return found.length === 2 ? found : undefined;
  }, "both log rows");
  assert.deepEqual(rows.map((r) => [r.upgrade, r.status]).sort(), [
    [false, 200],
    [true, 101],
  ]);
});

/** Signs in with the password form as a browser does; the cookie it sets. */
async function signInWith(name: string, password: string): Promise<string | undefined> {
  // A browser opening the address gets the page with the form (a script, the Basic challenge).
  const page = await harness.fetchTunnel(name, "/", { headers: { accept: "text/html" } });
  const form = /name="form" value="([^"]+)"/.exec(page.body)?.[1];
  if (!form) return undefined;
  const answer = await harness.fetchTunnel(name, "/__burrow/login", {
    method: "POST",
    headers: {
      origin: `http://${name}.${harness.config.BURROW_DOMAIN}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ password, next: "/", form }).toString(),
  });
  return answer.status === 303 ? cookieOf(answer.headers["set-cookie"]) : undefined;
}

test("signing out in one tab ends that browser's WebSockets and streams in the others, nobody else's", async () => {
  await tunnelFor("shared-pc");
  await setAccessSettings(harness.db, owner.id, "shared-pc", { mode: "PASSWORD", password: "family-pc-123" });
  const mine = await harness.waitFor(
    () => signInWith("shared-pc", "family-pc-123"),
    "password mode to apply",
  );
  // Someone else signed in at the same moment, on another computer.
  const theirs = await signInWith("shared-pc", "family-pc-123");
  assert.ok(theirs);
  assert.notEqual(mine, theirs, "each sign-in has a cookie of its own");
  const myChat = await openSocket("shared-pc", { cookie: mine });
  const myFeed = await openStream("shared-pc", { cookie: mine });
  const theirChat = await openSocket("shared-pc", { cookie: theirs });
  assert.equal(await myChat.echoes(), true);
  await myFeed.nextEvent();

  const out = await harness.fetchTunnel("shared-pc", "/__burrow/logout", {
    method: "POST",
    headers: { cookie: mine, origin: "http://shared-pc.localhost" },
  });
  assert.equal(out.status, 200);
  await harness.waitFor(
    () => myChat.isClosed() && myFeed.isEnded(),
    "my other tabs' connections to end",
    5_000,
  );
  assert.deepEqual(myChat.closedWith(), { code: 1008, reason: "Access to this tunnel ended" });
  assert.equal(await theirChat.echoes(), true, "the other visitor's WebSocket goes on");
  theirChat.ws.close();
});

test("a share link's expiry ends what was opened with it, at that time, with no notification", async () => {
  await tunnelFor("expiring");
  await setAccessSettings(harness.db, owner.id, "expiring", { mode: "LINKS" });
  const expiresAt = new Date(Date.now() + 3_000);
  const { token } = await createShareLink(harness.db, owner.id, "expiring", {
    label: "brief",
    expiry: "date",
    expiresAt,
  });
  const cookie = await harness.waitFor(
    () => openLink("expiring", token).catch(() => undefined),
    "links-only mode to apply",
  );
  const socket = await openSocket("expiring", { cookie });
  const stream = await openStream("expiring", { cookie });
  assert.equal(await socket.echoes(), true);
  await stream.nextEvent();

  await harness.waitFor(() => socket.isClosed() && stream.isEnded(), "both to be closed", 10_000);
  assert.ok(Date.now() >= expiresAt.getTime(), "not before the link expired");
  const rows = await harness.waitFor(async () => {
    const found = await revokedRows("expiring");
    return found.length === 2 ? found : undefined;
  }, "both log rows");
  assert.equal(rows.length, 2);
});

test("narrowing the allowed addresses closes connections from networks no longer allowed", async () => {
  await tunnelFor("office");
  const outside = await harness.waitFor(
    () => openSocket("office", {}).catch(() => undefined),
    "the tunnel to answer",
  );
  const inside = await openSocket("office", {}, { localAddress: "127.0.0.2" });
  assert.equal(await outside.echoes(), true);

  await setAllowedAddresses(harness.db, owner.id, "office", { addresses: "127.0.0.2" });
  await harness.waitFor(() => outside.isClosed(), "the outside connection to be closed", 5_000);
  assert.equal(await inside.echoes(), true, "the allowed network's connection stays");
  await assert.rejects(openSocket("office", {}), /refused 403/);
  inside.ws.close();
});
