/**
 * The access gate in front of a real tunnel: the edge, a real `ssh -R` and a local app that echoes
 * what it received. The point is what never reaches the app (Burrow's cookie, the share token, the
 * tunnel password) and that upgrades follow the same rules.
 */
import assert from "node:assert/strict";
import http, { type IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import {
  createShareLink,
  setAccessSettings,
  setAllowedAddresses,
  setAppHost,
} from "../../lib/sharing/service.ts";
import type { TestDatabase } from "../../lib/testing/db.ts";
import {
  createTestAccessGate,
  type EdgeFixture,
  type EdgeTestRelay,
  type LocalApp,
  requestEdge,
  startEdgeFixture,
  TEST_DOMAIN,
  waitFor,
} from "../http/testing.ts";
import type { AccessGateHandle } from "./gate.ts";

const PASSWORD = "correct horse battery";
let fixture: EdgeFixture;
let testDb: TestDatabase;
let relay: EdgeTestRelay;
let app: LocalApp;
let gate: AccessGateHandle;
let wss: WebSocketServer;
const seen: Array<{ url: string; headers: IncomingMessage["headers"] }> = [];
let owner: string;

interface Echo {
  url: string;
  headers: Record<string, string | undefined>;
}

before(async () => {
  fixture = await startEdgeFixture({
    database: "accessrelay",
    relayOptions: async (db) => {
      owner = (await db.user.create({ data: { email: "owner@example.com", passwordHash: "x" } })).id;
      for (const name of ["guarded", "private", "open"]) {
        await db.reservation.create({ data: { name, userId: owner } });
      }
      await setAccessSettings(db, owner, "guarded", { mode: "PASSWORD", password: PASSWORD });
      await setAccessSettings(db, owner, "private", { mode: "LINKS" });
      gate = createTestAccessGate(db);
      return { access: gate };
    },
    app: (req, res) => {
      // Like Rails or Spring: a redirect built from the Host the app was sent.
      if (req.url === "/sign-in") {
        res.writeHead(302, { location: `http://${req.headers.host}/home?from=sign-in#top` });
        res.end();
        return;
      }
      if (req.url === "/linked") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<!doctype html><script src="http://${req.headers.host}/app.js"></script>`);
        return;
      }
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    },
  });
  ({ testDb, relay, app } = fixture);
  for (const name of ["guarded", "private", "open"]) {
    const session = await testDb.db.tunnelSession.create({
      data: { name, userId: owner, clientIp: "127.0.0.1" },
    });
    relay.sessionIds.set(name, session.id);
  }
  wss = new WebSocketServer({ noServer: true });
  app.server.on("upgrade", (req, socket, head) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ url: req.url, headers: req.headers }));
    });
  });
  for (const name of ["guarded", "private", "open"]) await fixture.openTunnel(name);
});

after(async () => {
  await fixture?.close();
  gate?.close();
  wss?.close();
});

/** What a browser opening an address asks for: the relay's pages are for browsers. */
const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
const hostOf = (name: string) => `${name}.${TEST_DOMAIN}:${relay.httpPort}`;
const cookiePart = (setCookie: string | string[] | undefined) => String(setCookie).split(";")[0]!;

async function signIn(): Promise<string> {
  const page = await requestEdge(relay, { host: hostOf("guarded"), path: "/start", headers: BROWSER });
  const form = /name="form" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
  const body = new URLSearchParams({ password: PASSWORD, next: "/start", form }).toString();
  const answer = await postForm(body);
  assert.equal(answer.status, 303);
  assert.equal(answer.headers.location, "/start");
  return cookiePart(answer.headers["set-cookie"]);
}

function postForm(body: string) {
  return new Promise<{ status: number; headers: IncomingMessage["headers"] }>((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: relay.httpPort,
        method: "POST",
        path: "/__burrow/login",
        setHost: false,
        agent: false,
        headers: {
          host: hostOf("guarded"),
          origin: `http://${hostOf("guarded")}`,
          "content-type": "application/x-www-form-urlencoded",
          "content-length": String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function openSocket(
  name: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; first: Echo }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.httpPort}/live?burrow_share=leak`, {
      headers: { host: hostOf(name), ...headers },
    });
    ws.once("message", (data: Buffer) => resolve({ ws, first: JSON.parse(data.toString()) as Echo }));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
  });
}

test("the password page hides the app; the cookie and the password never reach it", async () => {
  const before = seen.length;
  const page = await requestEdge(relay, { host: hostOf("guarded"), path: "/start", headers: BROWSER });
  assert.equal(page.status, 401);
  assert.match(page.body, /Password required/);
  assert.equal(seen.length, before, "the app was not reached");

  const cookie = await signIn();
  const res = await requestEdge(relay, {
    host: hostOf("guarded"),
    path: "/start?x=1",
    headers: { cookie: `theme=dark; ${cookie}; lang=en` },
  });
  assert.equal(res.status, 200);
  const echo = JSON.parse(res.body) as Echo;
  assert.equal(echo.url, "/start?x=1");
  assert.equal(echo.headers.cookie, "theme=dark; lang=en");

  // A script (wget, Python's urllib) sends the password only once challenged: a plain 401 with the
  // challenge, then its retry with Basic auth gets in.
  const challenged = await requestEdge(relay, {
    host: hostOf("guarded"),
    path: "/hook",
    headers: { accept: "*/*" },
  });
  assert.equal(challenged.status, 401);
  assert.match(String(challenged.headers["www-authenticate"]), /^Basic realm=/);
  assert.doesNotMatch(challenged.body, /<form/);
  const viaBasic = await requestEdge(relay, {
    host: hostOf("guarded"),
    path: "/hook",
    headers: { accept: "*/*", authorization: `Basic ${Buffer.from(`:${PASSWORD}`).toString("base64")}` },
  });
  assert.equal(viaBasic.status, 200);
  assert.equal((JSON.parse(viaBasic.body) as Echo).headers.authorization, undefined);
});

test("a name set to send Host: localhost: its app gets that Host, behind the password and on upgrades too", async () => {
  const setBoth = async (host: "LOCALHOST" | "VISITOR") => {
    for (const name of ["open", "guarded"]) {
      await setAppHost(testDb.db, owner, name, { host });
      gate.invalidate(name); // what the dashboard's notification does
    }
  };
  await setBoth("LOCALHOST");
  try {
    const res = await requestEdge(relay, { host: hostOf("open"), path: "/dev" });
    const echo = JSON.parse(res.body) as Echo;
    assert.equal(echo.headers.host, "localhost");
    assert.equal(echo.headers["x-forwarded-host"], hostOf("open"), "the public address is still there");
    // The app built its redirect from that Host: the visitor is sent to the tunnel, not to localhost.
    const redirect = await requestEdge(relay, { host: hostOf("open"), path: "/sign-in" });
    assert.equal(redirect.headers.location, `http://${hostOf("open")}/home?from=sign-in#top`);
    // Links in its pages cannot be mended on the way: the owner is told where they come from.
    await requestEdge(relay, { host: hostOf("open"), path: "/linked" });
    assert.ok(
      relay.traces
        .get("open")
        ?.lines.includes(
          "open: your app's pages link to http://localhost/app.js, an address on your own computer that visitors " +
            "cannot load (a page may show without its styles or scripts). It builds them from the Host: localhost " +
            `that Burrow sends it: turn that off under Access & sharing, or set its public address to http://${hostOf("open")}.`,
        ),
      relay.traces.get("open")?.lines.join("\n"),
    );

    const cookie = await signIn();
    const guarded = await requestEdge(relay, {
      host: hostOf("guarded"),
      path: "/start",
      headers: { cookie },
    });
    assert.equal((JSON.parse(guarded.body) as Echo).headers.host, "localhost");

    const { ws, first } = await openSocket("open");
    ws.close();
    assert.equal(first.headers.host, "localhost");
  } finally {
    await setBoth("VISITOR");
  }
  const back = await requestEdge(relay, { host: hostOf("open"), path: "/dev" });
  assert.equal((JSON.parse(back.body) as Echo).headers.host, hostOf("open"));
});

test("allowed addresses: other networks get the 403 page before anything else (upgrades too); listed visitors go on as before", async () => {
  const setList = async (name: string, addresses: string) => {
    await setAllowedAddresses(testDb.db, owner, name, { addresses });
    gate.invalidate(name); // what the dashboard's notification does
  };
  await setList("open", "127.0.0.2, 10.0.0.0/8");
  await setList("guarded", "127.0.0.2");
  try {
    const before = seen.length;
    const refused = await requestEdge(relay, { host: hostOf("open"), path: "/office-only?burrow_share=tok" });
    assert.equal(refused.status, 403);
    assert.match(refused.body, /Not open to your network/);
    // Not even the password form is shown to other networks.
    assert.equal(
      (await requestEdge(relay, { host: hostOf("guarded"), path: "/start", headers: BROWSER })).status,
      403,
    );
    await assert.rejects(openSocket("open"), /refused 403/);
    assert.equal(seen.length, before, "the app saw none of them");

    const fromOffice = { localAddress: "127.0.0.2" };
    const allowed = await requestEdge(relay, { host: hostOf("open"), path: "/office", ...fromOffice });
    assert.equal(allowed.status, 200);
    assert.equal((JSON.parse(allowed.body) as Echo).url, "/office");
    const asked = await requestEdge(relay, { host: hostOf("guarded"), path: "/start", ...fromOffice });
    assert.equal(asked.status, 401, "a listed visitor still needs the password");

    const where = { name: "open", accessPage: "address_not_allowed" };
    await waitFor(async () => (await testDb.db.requestLog.count({ where })) >= 2, "the refused rows");
    const row = await testDb.db.requestLog.findFirstOrThrow({ where: { ...where, upgrade: false } });
    assert.equal(row.path, "/office-only", "the share token is not logged");
    assert.equal(row.admission, "DENIED");
    assert.equal(row.status, 403);
  } finally {
    await setList("open", "");
    await setList("guarded", "");
  }
  assert.equal((await requestEdge(relay, { host: hostOf("open"), path: "/again" })).status, 200);
});

test("a share link redirects to the clean URL; the token never reaches the app or the log", async () => {
  const { link, token } = await createShareLink(testDb.db, owner, "private", { label: "Ana", expiry: "1d" });
  const opened = await requestEdge(relay, {
    host: hostOf("private"),
    path: `/doc?burrow_share=${token}&page=2`,
  });
  assert.equal(opened.status, 303);
  assert.equal(opened.headers.location, "/doc?page=2");
  const cookie = cookiePart(opened.headers["set-cookie"]);
  const res = await requestEdge(relay, { host: hostOf("private"), path: "/doc?page=2", headers: { cookie } });
  assert.equal(res.status, 200);
  const echo = JSON.parse(res.body) as Echo;
  assert.equal(echo.url, "/doc?page=2");
  assert.equal(echo.headers.cookie, undefined);

  const where = { name: "private", shareLinkId: link.id };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 2, "two log rows for the link");
  const rows = await testDb.db.requestLog.findMany({ where, orderBy: { id: "asc" } });
  assert.deepEqual(
    rows.map((r) => [r.status, r.admission, r.path]),
    [
      [303, "SHARE_LINK", "/doc?page=2"],
      [200, "SHARE_LINK", "/doc?page=2"],
    ],
  );
  const paths = await testDb.db.requestLog.findMany({ where: { name: "private" }, select: { path: true } });
  assert.equal(
    paths.some((r) => r.path.includes(token)),
    false,
    "no token anywhere in the log",
  );
});

test("denied visits are logged as DENIED", async () => {
  const res = await requestEdge(relay, { host: hostOf("private"), path: "/denied-probe" });
  assert.equal(res.status, 403);
  const where = { name: "private", path: "/denied-probe" };
  await waitFor(async () => (await testDb.db.requestLog.count({ where })) === 1, "the denied row");
  const row = await testDb.db.requestLog.findFirstOrThrow({ where });
  assert.equal(row.admission, "DENIED");
  // Its size is Burrow's page, what the visitor received.
  assert.equal(Number(row.bytesOut), Buffer.byteLength(res.body));
});

test("on a public name the share parameter and Burrow's cookie are still removed", async () => {
  const res = await requestEdge(relay, {
    host: hostOf("open"),
    path: "/?a=1&burrow_share=whatever&b=2",
    headers: { cookie: "burrow_access=x.y" },
  });
  const echo = JSON.parse(res.body) as Echo;
  assert.equal(echo.url, "/?a=1&b=2");
  assert.equal(echo.headers.cookie, undefined);
});

test("WebSocket upgrades follow the same rules: refused without access, fine with the cookie", async () => {
  const before = seen.length;
  await assert.rejects(openSocket("guarded"), /refused 401/);
  await assert.rejects(openSocket("private"), /refused 403/);
  assert.equal(seen.length, before, "the app never saw the refused upgrades");

  const cookie = await signIn();
  const { ws, first } = await openSocket("guarded", { cookie: `app=1; ${cookie}` });
  assert.equal(first.url, "/live", "the share parameter is removed from upgrades too");
  assert.equal(first.headers.cookie, "app=1");
  ws.close();
});
