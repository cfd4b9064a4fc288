/**
 * The whole loop through the real relay: the dashboard's service revokes a link or changes the
 * password, Postgres NOTIFY reaches the relay's control channel, and the gate drops its cached state
 * at once. While the control channel is up the cache trusts its state for a minute here, so only the
 * notification can explain a quick cut-off. Without it (the LISTEN connection lost) the trust is
 * brief, and it never carries over to the next tunnel under a name. "Silent" changes go straight to
 * the database, bypassing the dashboard, so no notification explains what the relay does. Deleting a
 * name's kept bodies goes the same way, to the relay's request log.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket, WebSocketServer } from "ws";
import type { RelayCommand } from "../../lib/relay-control.ts";
import { viewKeptBodies } from "../../lib/request-logs/body-view.ts";
import { clearRequestLog } from "../../lib/request-logs/clear.ts";
import { readRequestBodies } from "../../lib/request-logs/query.ts";
import { setKeepBodies } from "../../lib/request-logs/settings.ts";
import { createShareLink, revokeShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { type LocalApp, startTestRelay, type TestRelay, type TestUser } from "../testing/harness.ts";

const SHORT_TTL_MS = 1_000;
const NOTIFIED_TTL_MS = 60_000;

let harness: TestRelay;
let owner: TestUser;
let app: LocalApp;

before(async () => {
  harness = await startTestRelay(
    {},
    { accessGate: { cacheTtlMs: SHORT_TTL_MS, notifiedCacheTtlMs: NOTIFIED_TTL_MS } },
  );
  await harness.waitFor(() => harness.relay.controlListening, "the control channel");
  owner = await harness.createUserWithKey();
  await harness.reserve(owner, "notified");
  app = await harness.startLocalApp();
  await harness.startSsh({ user: owner, forwards: [`notified:80:127.0.0.1:${app.port}`] });
});

after(() => harness?.close());

const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(";")[0]!;

test("a revoked link stops working for its holders as soon as the relay is told", async () => {
  await setAccessSettings(harness.db, owner.id, "notified", { mode: "LINKS" });
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/")).status === 403,
    "links-only mode to apply",
    5_000,
  );
  const { link, token } = await createShareLink(harness.db, owner.id, "notified", {
    label: "x",
    expiry: "never",
  });
  const opened = await harness.fetchTunnel("notified", `/?burrow_share=${token}`);
  assert.equal(opened.status, 303);
  const cookie = cookieOf(opened.headers["set-cookie"]);
  const inside = await harness.fetchTunnel("notified", "/page", { headers: { cookie } });
  assert.equal(inside.status, 200);
  assert.equal(inside.json?.headers.cookie, undefined);

  const revokedAt = Date.now();
  await revokeShareLink(harness.db, owner.id, "notified", link.id);
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/page", { headers: { cookie } })).status === 403,
    "the revocation to reach the relay",
    5_000,
  );
  assert.ok(Date.now() - revokedAt < 5_000, "well within the cache TTL: the notification did it");
});

test("a new password signs out holders of the old one as soon as the relay is told", async () => {
  await setAccessSettings(harness.db, owner.id, "notified", { mode: "PASSWORD", password: "first password" });
  const basic = { authorization: `Basic ${Buffer.from(":first password").toString("base64")}` };
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/", { headers: basic })).status === 200,
    "password mode to apply",
    5_000,
  );
  await setAccessSettings(harness.db, owner.id, "notified", {
    mode: "PASSWORD",
    password: "second password",
  });
  await harness.waitFor(
    async () => (await harness.fetchTunnel("notified", "/", { headers: basic })).status === 401,
    "the old password to stop working",
    5_000,
  );
});

/** Sets a name's mode behind the relay's back (no NOTIFY). */
async function setModeSilently(name: string, mode: "PUBLIC" | "LINKS"): Promise<void> {
  await harness.db.reservation.update({ where: { name }, data: { accessMode: mode } });
}

test("while notifications arrive the state is trusted; when the control channel drops, only briefly", async () => {
  await harness.reserve(owner, "quiet");
  await harness.startSsh({ user: owner, forwards: [`quiet:80:127.0.0.1:${app.port}`] });
  assert.equal((await harness.fetchTunnel("quiet", "/")).status, 200);

  await setModeSilently("quiet", "LINKS");
  await sleep(SHORT_TTL_MS * 1.5);
  assert.equal(
    (await harness.fetchTunnel("quiet", "/")).status,
    200,
    "past the short TTL, the cached state is still used: the relay would have been told of a change",
  );

  // Cut the relay's LISTEN connection, as a database restart or network failure would.
  await harness.db.$executeRaw`
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name LIKE 'burrow-relay-control %' AND datname = current_database()`;
  const cutAt = Date.now();
  await harness.waitFor(
    async () => (await harness.fetchTunnel("quiet", "/")).status === 403,
    "the unannounced change to apply",
    10_000,
  );
  assert.ok(Date.now() - cutAt < NOTIFIED_TTL_MS / 4, "applied long before the trusted TTL ran out");
  await harness.waitFor(() => harness.relay.controlListening, "the control channel to come back");
});

test("a new tunnel under a name never inherits the previous tunnel's cached state", async () => {
  await harness.reserve(owner, "handover");
  const first = await harness.startSsh({ user: owner, forwards: [`handover:80:127.0.0.1:${app.port}`] });
  assert.equal((await harness.fetchTunnel("handover", "/")).status, 200);
  first.kill();
  await first.exited;
  await setModeSilently("handover", "LINKS");
  await harness.startSsh({ user: owner, forwards: [`handover:80:127.0.0.1:${app.port}`] });
  assert.equal((await harness.fetchTunnel("handover", "/")).status, 403);
});

/** Resolves once the relay has acted on a command like this (earlier ones may still arrive first). */
function heardCommand(like: (command: RelayCommand) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const listener = (command: RelayCommand) => {
      if (!like(command)) return;
      harness.relay.events.off("command", listener);
      resolve();
    };
    harness.relay.events.on("command", listener);
  });
}

/** A new user's `name`, reserved with Keep bodies on, forwarded by `ssh -R` to an app of `listener`. */
async function keepingTunnel(name: string, listener: http.RequestListener) {
  const user = await harness.createUserWithKey();
  await harness.reserve(user, name);
  await setKeepBodies(harness.db, user.id, name, { keep: true });
  const app = http.createServer(listener);
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const port = (app.address() as AddressInfo).port;
  const ssh = await harness.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${port}`] });
  const close = async () => {
    ssh.kill();
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  };
  if (ssh.state !== "live") {
    await close();
    assert.fail(`the tunnel did not come up: ${ssh.stderr()}`);
  }
  return { user, close };
}

/** A promise and the function that settles it: the test waits on what the app saw. */
function signal(): { seen: Promise<void>; see: () => void } {
  let see = () => {};
  const seen = new Promise<void>((resolve) => {
    see = resolve;
  });
  return { seen, see };
}

/**
 * POSTs `first`, then, once `between` has run (the app has seen the first part, the owner changed
 * something), `rest`; resolves with the app's answer.
 */
async function uploadInTwoParts(
  name: string,
  path: string,
  [first, rest]: [string, string],
  between: () => Promise<void>,
): Promise<{ status: number; text: string }> {
  const req = http.request({
    host: "127.0.0.1",
    port: harness.httpPort,
    method: "POST",
    path,
    headers: {
      host: `${name}.${harness.config.BURROW_DOMAIN}`,
      "content-length": String(Buffer.byteLength(first + rest)),
    },
  });
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
  });
  req.write(first);
  await between();
  req.end(rest);
  return answered;
}

/** The request log row of `name`'s request to `path`, once written, with its kept bodies. */
function loggedRow(name: string, path: string) {
  return harness.waitFor(
    () =>
      harness.db.requestLog.findFirst({
        where: { name, path },
        omit: { requestBody: false, responseBody: false },
      }),
    `the row of ${path}`,
  );
}

test("the owner deleting kept bodies reaches the relay: a request under way is logged without its body", async () => {
  const name = "forget";
  // The app answers once the whole form is in; the test hears when its first part arrived.
  const firstPart = signal();
  const tunnel = await keepingTunnel(name, (req, res) => {
    req.once("data", firstPart.see);
    req.on("end", () => res.end("thanks"));
    req.resume();
  });
  try {
    // The visitor is halfway through sending a form when the owner deletes the name's kept bodies.
    const answer = await uploadInTwoParts(
      name,
      "/signup",
      ["password=hunter2", "&more=fields.."],
      async () => {
        await firstPart.seen;
        const heard = heardCommand((command) => command.type === "bodies-deleted" && command.name === name);
        await clearRequestLog(harness.db, tunnel.user.id, name, { what: "bodies" });
        await heard;
      },
    );
    assert.equal(answer.status, 200);
    const row = await loggedRow(name, "/signup");
    assert.equal(row.bytesIn, 30n);
    assert.equal(row.requestBody, null);
  } finally {
    await tunnel.close();
  }
});

/** Resolves once the relay has heard that `name` no longer keeps bodies, after turning that off. */
async function turnKeepingOff(userId: string, name: string): Promise<void> {
  const heard = heardCommand(
    (command) => command.type === "access-changed" && command.name === name && command.keepBodies === false,
  );
  await setKeepBodies(harness.db, userId, name, { keep: false });
  await heard;
}

test("Keep bodies turned off reaches a download under way: its row keeps what the app sent before, nothing after", async () => {
  let finish = () => {};
  const tunnel = await keepingTunnel("fetch", (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": "24" });
    res.write("sent while on|");
    finish = () => res.end("after off!");
  });
  try {
    let received = "";
    const firstPart = signal();
    const ended = new Promise<void>((resolve, reject) => {
      http
        .get(
          {
            host: "127.0.0.1",
            port: harness.httpPort,
            path: "/file",
            headers: { host: `fetch.${harness.config.BURROW_DOMAIN}` },
          },
          (res) => {
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              received += chunk;
              firstPart.see();
            });
            res.on("end", resolve);
          },
        )
        .on("error", reject);
    });
    await firstPart.seen;
    await turnKeepingOff(tunnel.user.id, "fetch");
    finish();
    await ended;
    assert.equal(received, "sent while on|after off!");
    const row = await loggedRow("fetch", "/file");
    assert.equal(Buffer.from(row.responseBody ?? []).toString(), "sent while on|");
    assert.equal(row.bytesOut, 24n, "all of it is still counted");
  } finally {
    await tunnel.close();
  }
});

test("Keep bodies turned off reaches an upload still arriving: its row keeps what came before, nothing after", async () => {
  const firstPart = signal();
  const tunnel = await keepingTunnel("drop", (req, res) => {
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      firstPart.see();
    });
    req.on("end", () => res.end(`got ${size}`));
  });
  try {
    const answer = await uploadInTwoParts("drop", "/hook", ["sent while on|", "after off!"], async () => {
      await firstPart.seen;
      await turnKeepingOff(tunnel.user.id, "drop");
    });
    assert.equal(answer.text, "got 24", "the whole upload still reaches the app");
    const row = await loggedRow("drop", "/hook");
    assert.equal(Buffer.from(row.requestBody ?? []).toString(), "sent while on|");
    assert.equal(row.bytesIn, 24n, "all of it is still counted");
  } finally {
    await tunnel.close();
  }
});

test("Keep bodies turned off reaches a WebSocket still open: its row keeps what was said before, nothing after", async () => {
  const user = await harness.createUserWithKey();
  await harness.reserve(user, "talk");
  await setKeepBodies(harness.db, user.id, "talk", { keep: true });
  const echo = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  echo.on("connection", (socket) => socket.on("message", (data) => socket.send(String(data))));
  await new Promise((resolve) => echo.once("listening", resolve));
  const port = (echo.address() as AddressInfo).port;
  const ssh = await harness.startSsh({ user, forwards: [`talk:80:127.0.0.1:${port}`] });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${harness.httpPort}/chat`, {
      headers: { host: `talk.${harness.config.BURROW_DOMAIN}` },
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const say = async (text: string) => {
      const echoed = new Promise((resolve) => ws.once("message", resolve));
      ws.send(text);
      await echoed;
    };
    await say("kept while on");
    await turnKeepingOff(user.id, "talk");
    await say("said after it was off");
    await new Promise((resolve) => ws.once("close", resolve).close(1000));
    const row = await harness.waitFor(
      () => harness.db.requestLog.findFirst({ where: { name: "talk", path: "/chat", open: false } }),
      "the connection's row",
    );
    const view = (await viewKeptBodies(await readRequestBodies(harness.db, "talk", String(row.id))))
      .websocket;
    assert.deepEqual(
      view?.visitor.messages.map((m) => m.text),
      ["kept while on"],
    );
    assert.deepEqual(
      view?.app.messages.map((m) => m.text),
      ["kept while on"],
    );
    assert.ok(row.bytesIn > 40n, "all of its traffic is still counted");
  } finally {
    ssh.kill();
    await new Promise((resolve) => echo.close(resolve));
  }
});
