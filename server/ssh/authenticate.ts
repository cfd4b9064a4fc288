import ssh2, { type AuthContext, type Connection, type PublicKeyAuthContext } from "ssh2";
import type { Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import type { Logger } from "../../lib/logger.ts";
import { fingerprintOf } from "../../lib/ssh-keys/parse.ts";
import { errorText } from "../sessions/session-recorder.ts";
import type { ConnectionLimits, KeyConnection } from "./connection-limits.ts";
import { messages } from "./messages.ts";
import { disconnectWithMessage, sendAuthBanner } from "./protocol-messages.ts";
import { databaseTrouble, withTimeout } from "./with-timeout.ts";

/** Who is on the other end of an authenticated connection. */
export interface AuthenticatedKey {
  keyId: string;
  userId: string;
  email: string;
  fingerprint: string;
  label: string;
}

interface KnownKey extends AuthenticatedKey {
  publicKey: string;
  disabled: boolean;
}

export interface AuthDeps {
  db: Db;
  config: Env;
  logger: Logger;
  limits: ConnectionLimits;
}

const LOOKUP_TIMEOUT_MS = 4_000;

/**
 * Builds the `authentication` listener for one connection. Public keys only, any user name: the key
 * says who you are. A key is looked up by fingerprint, then its signature verified (ssh2 first asks
 * "would you accept this key?" without a signature, and only a yes makes the client sign).
 *
 * Refusals say why, on the client's stderr: an unknown key gets a banner (the client may still try
 * its other keys), a disabled account, a full connection quota or a database outage end the
 * connection with a disconnect description. `onAuthenticated` runs just before the accept, once.
 */
export function createAuthHandler(
  deps: AuthDeps,
  client: Connection,
  clientIp: string,
  /** The connection being authenticated: what takes one of its key's slots. */
  self: KeyConnection & { readonly closed: boolean },
  onAuthenticated: (key: AuthenticatedKey) => void,
): (ctx: AuthContext) => void {
  const lookups = new Map<string, Promise<KnownKey | null>>();
  const unknownShown = new Set<string>();
  const log = deps.logger.child({ ip: clientIp });

  const lookup = (fingerprint: string): Promise<KnownKey | null> => {
    let pending = lookups.get(fingerprint);
    if (!pending) {
      pending = withTimeout(findKey(deps.db, fingerprint), LOOKUP_TIMEOUT_MS, "SSH key lookup");
      // A failed lookup is not cached: the client's next attempt asks the database again.
      pending.catch(() => lookups.delete(fingerprint));
      lookups.set(fingerprint, pending);
    }
    return pending;
  };

  const handlePublicKey = async (ctx: PublicKeyAuthContext): Promise<void> => {
    const fingerprint = fingerprintOf(ctx.key.data);
    let key: KnownKey | null;
    try {
      key = await lookup(fingerprint);
    } catch (error) {
      const trouble = databaseTrouble(error);
      log.error(`cannot look up SSH key: ${trouble.log}`, { error: errorText(error) });
      disconnectWithMessage(client, trouble.message);
      return;
    }
    if (!key) {
      log.info("unknown SSH key refused", { fingerprint });
      sendAuthBanner(
        client,
        unknownShown.size === 0
          ? messages.unknownKey(deps.config, fingerprint)
          : `Burrow does not know the SSH key ${fingerprint} either.`,
      );
      unknownShown.add(fingerprint);
      ctx.reject(["publickey"]);
      return;
    }
    if (key.disabled) {
      log.info("disabled account refused", { user: key.userId, fingerprint });
      disconnectWithMessage(client, messages.userDisabled);
      return;
    }
    // No signature yet: the client only asks whether this key would do. Saying yes makes it sign.
    if (!ctx.signature || !ctx.blob) {
      ctx.accept();
      return;
    }
    if (!verifySignature(key.publicKey, ctx)) {
      log.warn("SSH signature verification failed", { fingerprint });
      ctx.reject(["publickey"]);
      return;
    }
    if (!(await deps.limits.acquire(key.keyId, self))) {
      log.warn("too many connections for key", { fingerprint, max: deps.limits.maxPerKey });
      disconnectWithMessage(client, messages.tooManyConnections(deps.limits.maxPerKey));
      return;
    }
    // Gone while its key's other connections were asked to answer: its slot is not held.
    if (self.closed) {
      deps.limits.release(key.keyId, self);
      return;
    }
    const { publicKey: _publicKey, disabled: _disabled, ...authenticated } = key;
    onAuthenticated(authenticated);
    ctx.accept();
    deps.db.sshKey
      .update({ where: { id: key.keyId }, data: { lastUsedAt: new Date() } })
      .catch((error: unknown) => log.warn("ssh key last_used_at not updated", { error: errorText(error) }));
  };

  let keysOffered = 0;
  let noKeyShown = false;
  return (ctx) => {
    if (ctx.method === "none" && keysOffered === 0) {
      // Public keys are the way in. keyboard-interactive is listed too only so that a client with
      // no key at all (a new computer, or a key in a file ssh does not look at) comes back, and
      // can be told so: otherwise it stops at "Permission denied (publickey)" with nothing said.
      ctx.reject(["publickey", "keyboard-interactive"]);
      return;
    }
    if (ctx.method === "keyboard-interactive" && keysOffered === 0 && !noKeyShown) {
      noKeyShown = true;
      log.info("client offered no SSH key");
      sendAuthBanner(client, messages.noKeyOffered(deps.config));
    }
    if (ctx.method !== "publickey") {
      // Nothing is ever prompted for: OpenSSH never asks for a password.
      ctx.reject(["publickey"]);
      return;
    }
    keysOffered++;
    handlePublicKey(ctx).catch((error: unknown) => {
      log.error("SSH authentication failed unexpectedly", { error: errorText(error) });
      client.end();
    });
  };
}

async function findKey(db: Db, fingerprint: string): Promise<KnownKey | null> {
  const row = await db.sshKey.findUnique({
    where: { fingerprint },
    select: {
      id: true,
      userId: true,
      label: true,
      publicKey: true,
      user: { select: { email: true, disabledAt: true } },
    },
  });
  if (!row) return null;
  return {
    keyId: row.id,
    userId: row.userId,
    email: row.user.email,
    fingerprint,
    label: row.label,
    publicKey: row.publicKey,
    disabled: row.user.disabledAt !== null,
  };
}

/**
 * Checks the signature with the key *stored for this fingerprint*, and that the client's key blob
 * is that same key, so a lookup hit can never be satisfied by a different key's signature.
 */
function verifySignature(storedPublicKey: string, ctx: PublicKeyAuthContext): boolean {
  const parsed = ssh2.utils.parseKey(storedPublicKey);
  if (parsed instanceof Error) return false;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !ctx.signature || !ctx.blob) return false;
  if (!key.getPublicSSH().equals(ctx.key.data)) return false;
  return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
}
