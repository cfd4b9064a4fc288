/**
 * BURROW_SSH_CIPHERS: the relay offers AES-GCM only by default, so plain OpenSSH (which prefers
 * chacha20-poly1305 and AES-CTR) carries tunnel traffic with AES-GCM; a client that cannot use what
 * is offered gets OpenSSH's own "no matching cipher" message; the setting widens the offer.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startTestRelay, type TestRelay } from "../testing/harness.ts";

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.close();
});

/** What ssh -v reports it negotiated, e.g. "aes128-gcm@openssh.com". */
function negotiatedCipher(stderr: string): string | undefined {
  return /kex: server->client cipher: (\S+)/.exec(stderr)?.[1];
}

test("by default plain OpenSSH gets AES-GCM, and a client without it is told why it cannot connect", async () => {
  const t = await startTestRelay();
  relays.push(t);
  const user = await t.createUserWithKey();
  await t.reserve(user, "gcm");
  const app = await t.startLocalApp();

  const ssh = await t.startSsh({ user, forwards: [`gcm:80:127.0.0.1:${app.port}`], extraArgs: ["-v"] });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal(negotiatedCipher(ssh.stderr()), "aes128-gcm@openssh.com");
  assert.equal((await t.fetchTunnel("gcm", "/through")).json?.path, "/through");
  ssh.kill();

  const old = await t.startSsh({
    user,
    forwards: [`gcm:80:127.0.0.1:${app.port}`],
    extraArgs: ["-c", "chacha20-poly1305@openssh.com,aes128-ctr"],
  });
  assert.equal(old.state, "exited");
  assert.match(
    old.stderr(),
    /no matching cipher found\. Their offer: aes128-gcm@openssh\.com,aes256-gcm@openssh\.com/,
  );
});

test("BURROW_SSH_CIPHERS widens the offer for clients without AES-GCM", async () => {
  const t = await startTestRelay({
    BURROW_SSH_CIPHERS: "aes128-gcm@openssh.com,chacha20-poly1305@openssh.com",
  });
  relays.push(t);
  const user = await t.createUserWithKey();
  await t.reserve(user, "wide");
  const app = await t.startLocalApp();
  const ssh = await t.startSsh({
    user,
    forwards: [`wide:80:127.0.0.1:${app.port}`],
    extraArgs: ["-v", "-c", "chacha20-poly1305@openssh.com"],
  });
  assert.equal(ssh.state, "live", ssh.stderr());
  assert.equal(negotiatedCipher(ssh.stderr()), "chacha20-poly1305@openssh.com");
  assert.equal((await t.fetchTunnel("wide", "/through")).json?.path, "/through");
  ssh.kill();
});
