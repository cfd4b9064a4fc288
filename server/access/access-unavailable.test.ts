import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createShareLink, setAccessSettings } from "../../lib/sharing/service.ts";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

/**
 * A live tunnel whose access state the relay never loaded (no request yet, or a cache dropped when
 * the control channel came back) while its database is away: the gate cannot know the name is
 * public, so the visitor is turned away, but told why and when to come back, and the owner's log
 * keeps the request once the database is back.
 */
const STATE_WAIT_MS = 1_000;
const LINK_WAIT_MS = 1_000;

let t: TestRelay;
before(async () => {
  t = await startTestRelay(
    {},
    { proxyDatabase: true, accessGate: { stateWaitMs: STATE_WAIT_MS, linkWaitMs: LINK_WAIT_MS } },
  );
});
after(() => t.close());

async function connectedName(name: string): Promise<{ id: string }> {
  // An earlier test's outage may have the control channel still reconnecting; its return empties
  // the access cache (changes were not announced meanwhile), which must not fall between a test's
  // first request, which loads a state, and the outage it then starts.
  await t.waitFor(() => t.relay.controlListening, "the relay's control channel to listen again", 30_000);
  const user = await t.createUserWithKey();
  await t.reserve(user, name);
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({ user, forwards: [`${name}:80:127.0.0.1:${app.port}`] });
  assert.equal(ssh.state, "live", ssh.stderr());
  return user;
}

async function loggedRow(name: string, path: string) {
  return t.waitFor(
    () => t.db.requestLog.findFirst({ where: { name, path } }),
    `the request log row of ${path}`,
    15_000,
  );
}

function assertUnavailablePage(res: { status: number; headers: Record<string, unknown>; body: string }) {
  assert.equal(res.status, 503);
  assert.equal(res.headers["retry-after"], "5");
  assert.match(res.body, /cannot check who may open this tunnel/);
  // Not the offline page: its script would reload the page as fast as the relay answers, since the
  // tunnel is online.
  assert.doesNotMatch(res.body, /not connected right now/);
  assert.doesNotMatch(res.body, /x-burrow-wait/);
}

test("database refusing connections: a live tunnel's first visitor gets a logged 503 saying why", async () => {
  await connectedName("coldstate");
  t.databaseProxy!.cut();
  try {
    const page = await t.fetchTunnel("coldstate", "/first", { headers: { accept: "text/html" } });
    assertUnavailablePage(page);
  } finally {
    t.databaseProxy!.restore();
  }
  const row = await loggedRow("coldstate", "/first");
  assert.equal(row.status, 503);
  assert.equal(row.error, "access_unavailable");

  // Back: the tunnel serves as before.
  const back = await t.fetchTunnel("coldstate", "/again");
  assert.equal(back.status, 200, back.body);
});

test("database not answering at all: the visitor is answered within seconds, not left waiting", async () => {
  await connectedName("stalled");
  t.databaseProxy!.hang();
  try {
    const started = Date.now();
    const page = await t.fetchTunnel("stalled", "/waiting");
    assert.ok(Date.now() - started < STATE_WAIT_MS + 2_000, `answered after ${Date.now() - started} ms`);
    assertUnavailablePage(page);
  } finally {
    t.databaseProxy!.restore();
  }
  const row = await loggedRow("stalled", "/waiting");
  assert.equal(row.error, "access_unavailable");
});

test("database not answering while a visitor confirms a share link: 'try again' in seconds, then in", async () => {
  const user = await connectedName("stalledlink");
  await setAccessSettings(t.db, user.id, "stalledlink", { mode: "LINKS" });
  const { token } = await createShareLink(t.db, user.id, "stalledlink", {
    label: "x",
    expiry: "never",
    maxUses: 1,
  });
  const html = { accept: "text/html" };
  const confirm = await t.fetchTunnel("stalledlink", `/doc?burrow_share=${token}`, { headers: html });
  assert.equal(confirm.status, 200, confirm.body);
  const fields = new URLSearchParams();
  for (const [, name, value] of confirm.body.matchAll(
    /<input type="hidden" name="(\w+)" value="([^"]*)">/g,
  )) {
    fields.set(name!, value!);
  }
  const form = {
    method: "POST",
    headers: {
      ...html,
      origin: "http://stalledlink.localhost",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: fields.toString(),
  };
  t.databaseProxy!.hang();
  try {
    const started = Date.now();
    const page = await t.fetchTunnel("stalledlink", "/__burrow/share", form);
    assert.ok(Date.now() - started < LINK_WAIT_MS + 3_000, `answered after ${Date.now() - started} ms`);
    assert.equal(page.status, 503);
    assert.equal(page.headers["retry-after"], "5");
    assert.match(page.body, /Try again in a moment/);
    assert.match(page.body, /<button type="submit" data-busy="Opening…">Try again<\/button>/);
    assert.doesNotMatch(page.body, /cannot check who may open this tunnel/);
  } finally {
    t.databaseProxy!.restore();
  }
  const row = await loggedRow("stalledlink", "/__burrow/share");
  assert.equal(row.status, 503);
  assert.equal(row.error, "access_unavailable");

  const opened = await t.fetchTunnel("stalledlink", "/__burrow/share", form);
  assert.equal(opened.status, 303, opened.body);
  assert.equal(opened.headers.location, "/doc");
});

test("a share link followed while the name's state cannot be loaded: reload to retry; no token logged", async () => {
  await connectedName("coldlink");
  const token = "T".repeat(43);
  t.databaseProxy!.cut();
  try {
    const page = await t.fetchTunnel("coldlink", `/doc?burrow_share=${token}&x=1`, {
      headers: { accept: "text/html" },
    });
    assert.equal(page.status, 503);
    assert.equal(page.headers["retry-after"], "5");
    assert.match(page.body, /Reload this page in a moment to try again/);
  } finally {
    t.databaseProxy!.restore();
  }
  const row = await loggedRow("coldlink", "/doc?x=1");
  assert.equal(row.error, "access_unavailable");
  assert.equal(await t.db.requestLog.count({ where: { path: { contains: token } } }), 0);
});
