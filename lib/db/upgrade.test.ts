import assert from "node:assert/strict";
import { after, test } from "node:test";
import pg from "pg";
import { isNameAvailable, listNames, listRandomNames } from "../names/service.ts";
import { hashPassword, verifyPassword } from "../passwords.ts";
import { listRequestLogs, requestCounts } from "../request-logs/query.ts";
import { loadAccessState, redeemShareLink } from "../sharing/relay-access.ts";
import { createShareToken } from "../sharing/tokens.ts";
import { listKeys } from "../ssh-keys/service.ts";
import { createTestDatabase } from "../testing/db.ts";
import { migrateOnly } from "../testing/migrations.ts";
import { verifyCredentials } from "../users/service.ts";
import { findWebSessionUser } from "../users/web-sessions.ts";
import { migrate } from "./migrate.ts";

// An install from Burrow's first weeks, upgraded to this version: its database as that version
// left it (its migrations only, rows written with its columns), then `npm start`'s migrations.
// Everything people stored must still be there and still work with the code of today.
const LAST_OLD_MIGRATION = "20261122060000_request_log_access_page";
const database = await createTestDatabase("upgrade", undefined, { migrate: false });
after(() => database.drop());

test("an install from the first weeks keeps everything it stored through the upgrade", async () => {
  const old = await migrateOnly(database.url, (name) => name <= LAST_OLD_MIGRATION);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const share = createShareToken();
  const minuteAgo = new Date(Date.now() - 60_000);
  try {
    await client.query(
      `INSERT INTO users (id, email, password_hash, role, updated_at) VALUES
         ('u_admin', 'admin@example.com', $1, 'ADMIN', now()), ('u_alice', 'alice@example.com', $1, 'USER', now())`,
      [await hashPassword("correct horse battery")],
    );
    await client.query(
      `INSERT INTO web_sessions (id, user_id, expires_at, ip, user_agent)
       VALUES ('ws_alice', 'u_alice', now() + interval '20 days', '127.0.0.1', 'Firefox')`,
    );
    await client.query(
      `INSERT INTO ssh_keys (id, user_id, label, algorithm, bits, public_key, fingerprint)
       VALUES ('k_alice', 'u_alice', 'laptop', 'ssh-ed25519', 256, 'AAAAC3NzaC1lZDI1NTE5AAAA', 'SHA256:alice')`,
    );
    await client.query(
      `INSERT INTO reservations (id, name, user_id, access_mode, password_hash, password_version) VALUES
         ('r_secret', 'secretsite', 'u_alice', 'PASSWORD', $1, 1),
         ('r_links', 'alicesite', 'u_alice', 'LINKS', NULL, 0)`,
      [await hashPassword("tunnelpass1")],
    );
    await client.query(
      `INSERT INTO share_links (id, reservation_id, label, token_hash, max_uses, uses, last_used_at)
       VALUES ('l_week', 'r_links', 'week', $1, 5, 1, now())`,
      [share.tokenHash],
    );
    // A random name handed out an hour ago, its tunnel closed since: still the user's for 24 h.
    await client.query(
      `INSERT INTO tunnel_sessions (id, name, user_id, ssh_key_id, client_ip, random_name, started_at, ended_at, end_reason)
       VALUES ('s_random', 'p7252mrx32k4sy', 'u_alice', 'k_alice', '127.0.0.1', true,
               now() - interval '2 hours', now() - interval '1 hour', 'client_closed')`,
    );
    await client.query(
      `INSERT INTO request_logs (at, name, session_id, method, path, status, duration_ms, client_ip, admission, share_link_id, error, access_page)
       VALUES ($1, 'alicesite', NULL, 'GET', '/search-me-before-upgrade', 200, 3.5, '127.0.0.1', 'SHARE_LINK', 'l_week', NULL, NULL),
              ($1, 'alicesite', NULL, 'GET', '/broken', 502, 1.5, '127.0.0.1', 'SHARE_LINK', 'l_week', 'local_unreachable', NULL),
              ($1, 'secretsite', NULL, 'POST', '/__burrow/login', 303, 1, '127.0.0.1', 'PASSWORD', NULL, NULL, 'signed_in')`,
      [minuteAgo],
    );
  } finally {
    await client.end();
  }

  const upgrade = await migrate(database.url);
  assert.ok(upgrade.applied.length > 0 && upgrade.alreadyApplied === old.length);
  const { db } = database;

  // Signing in, and a browser that was signed in before the upgrade.
  assert.equal((await verifyCredentials(db, "alice@example.com", "correct horse battery"))?.id, "u_alice");
  assert.equal((await verifyCredentials(db, "admin@example.com", "correct horse battery"))?.role, "ADMIN");
  assert.equal((await findWebSessionUser(db, "ws_alice", "u_alice"))?.email, "alice@example.com");
  // Keys, reserved names and the random name still held for its user.
  assert.deepEqual(
    (await listKeys(db, "u_alice")).map((k) => k.fingerprint),
    ["SHA256:alice"],
  );
  assert.deepEqual((await listNames(db, "u_alice")).map((n) => n.name).sort(), ["alicesite", "secretsite"]);
  assert.deepEqual(
    (await listRandomNames(db, "u_alice", 24)).map((n) => n.name),
    ["p7252mrx32k4sy"],
  );
  assert.equal((await isNameAvailable(db, "p7252mrx32k4sy", "u_admin")).available, false);
  assert.equal((await isNameAvailable(db, "alicesite", "u_admin")).available, false);
  // The password page and share links, as the relay loads and checks them.
  const secret = await loadAccessState(db, "secretsite", new Date(Date.now() - 86_400_000));
  assert.equal(secret.mode, "PASSWORD");
  assert.equal(secret.passwordVersion, 1, "visitors' cookies name this version: they stay in");
  assert.equal(await verifyPassword(secret.passwordHash ?? "", "tunnelpass1"), true);
  assert.deepEqual(secret.allowedIps, [], "new settings start as they were: anyone");
  const links = await loadAccessState(db, "alicesite", new Date(Date.now() - 86_400_000));
  assert.equal(links.mode, "LINKS");
  const now = new Date();
  assert.deepEqual(await redeemShareLink(db, "alicesite", share.token, "all", { now }), {
    ok: true,
    linkId: "l_week",
    expiresAt: null,
    countedAt: now,
  });
  // The request log: searchable, and counted in the per-minute counts the overview reads.
  const found = await listRequestLogs(db, { name: "alicesite", pathContains: "search-me" });
  assert.deepEqual(
    found.rows.map((r) => [r.path, r.shareLinkId]),
    [["/search-me-before-upgrade", "l_week"]],
  );
  const counts = await requestCounts(db, ["alicesite", "secretsite"], new Date(Date.now() - 86_400_000));
  assert.deepEqual(counts.get("alicesite"), { requests: 2, errors: 1 });
  assert.deepEqual(counts.get("secretsite"), { requests: 1, errors: 0 });
});
