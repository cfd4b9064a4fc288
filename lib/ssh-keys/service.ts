import type { z } from "zod";
import type { Db } from "../db.ts";
import { AppError, isUniqueViolation } from "../errors.ts";
import { sendRelayCommand } from "../relay-control.ts";
import { endSessionsOfStoppedRelays } from "../tunnel-sessions/stopped-relays.ts";
import { parseInput } from "../validate.ts";
import { parsePublicKey } from "./parse.ts";
import { addKeySchema, KEY_LABEL_MAX_LENGTH } from "./schemas.ts";

/** A registered key as the keys page and the CLI show it. */
export interface SshKeySummary {
  id: string;
  label: string;
  algorithm: string;
  bits: number;
  fingerprint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const keySelect = {
  id: true,
  label: true,
  algorithm: true,
  bits: true,
  fingerprint: true,
  createdAt: true,
  lastUsedAt: true,
} as const;

/** Another account's key: whose it is is never said, which would reveal who owns it. */
const TAKEN_MESSAGE =
  "This key is already registered to another account: make a new one with ssh-keygen -t ed25519";

/**
 * Registers a public key for a user. The label defaults to the key's comment (often user@host), or
 * its algorithm when there is none. A key may belong to one account only, since it is how the relay
 * knows who is connecting.
 */
export async function addKey(
  db: Db,
  userId: string,
  input: z.input<typeof addKeySchema>,
  /** How a refusal names the account: "your account" on the dashboard, its email in the CLI. */
  account = "your account",
): Promise<SshKeySummary> {
  const { label, publicKey } = parseInput(addKeySchema, input);
  let parsed: ReturnType<typeof parsePublicKey>;
  try {
    parsed = parsePublicKey(publicKey);
  } catch (error) {
    // Same shape as a schema failure, so the form shows it under the field.
    if (error instanceof AppError)
      throw new AppError(error.code, error.message, { publicKey: [error.message] });
    throw error;
  }
  try {
    return await db.sshKey.create({
      data: {
        userId,
        label: label || parsed.comment.slice(0, KEY_LABEL_MAX_LENGTH) || parsed.algorithm,
        algorithm: parsed.algorithm,
        bits: parsed.bits,
        publicKey: parsed.publicKey,
        fingerprint: parsed.fingerprint,
      },
      select: keySelect,
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const message = await duplicateMessage(db, userId, parsed.fingerprint, account);
    throw new AppError("conflict", message, { publicKey: [message] });
  }
}

/** The user's own key is named by its label, so they can find it in their list. */
async function duplicateMessage(
  db: Db,
  userId: string,
  fingerprint: string,
  account: string,
): Promise<string> {
  const existing = await db.sshKey.findUnique({
    where: { fingerprint },
    select: { userId: true, label: true },
  });
  return existing?.userId === userId
    ? `This key is already registered to ${account} (as “${existing.label}”)`
    : TAKEN_MESSAGE;
}

/** The user's keys, newest first. */
/** A listed key, with the names it has connected right now (deleting it closes them). */
export interface ListedKey extends SshKeySummary {
  connectedNames: string[];
}

export async function listKeys(db: Db, userId: string): Promise<ListedKey[]> {
  await endSessionsOfStoppedRelays(db);
  const [keys, open] = await Promise.all([
    db.sshKey.findMany({ where: { userId }, select: keySelect, orderBy: { createdAt: "desc" } }),
    db.tunnelSession.findMany({
      where: { userId, endedAt: null, sshKeyId: { not: null } },
      select: { sshKeyId: true, name: true },
      distinct: ["sshKeyId", "name"],
      orderBy: { name: "asc" },
    }),
  ]);
  return keys.map((key) => ({
    ...key,
    connectedNames: open.filter((session) => session.sshKeyId === key.id).map((session) => session.name),
  }));
}

/**
 * Deletes one of the user's keys; not_found when it is not theirs. Every connection signed in with
 * the key is closed, with its tunnels: removing a key is how a user revokes a lost laptop.
 */
export async function deleteKey(db: Db, userId: string, keyId: string): Promise<void> {
  const { count } = await db.sshKey.deleteMany({ where: { id: keyId, userId } });
  if (count === 0) throw new AppError("not_found", "No such key");
  // By key, not by the names it has up: a connection signed in with it that has no tunnel yet (or
  // opens one while this runs) is closed too.
  await sendRelayCommand(db, { type: "key-removed", keyId });
}
