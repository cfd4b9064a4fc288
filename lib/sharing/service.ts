import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import { ownedReservation } from "../names/service.ts";
import { hashPassword } from "../passwords.ts";
import { relayCommandQuery } from "../relay-control.ts";
import { parseInput } from "../validate.ts";
import {
  type AppHost,
  accessSettingsSchema,
  allowedAddressesSchema,
  appHostSchema,
  createShareLinkSchema,
  expiryDate,
} from "./schemas.ts";
import { createShareToken } from "./tokens.ts";

export interface AccessSummary {
  mode: "PUBLIC" | "PASSWORD" | "LINKS";
  hasPassword: boolean;
}

export async function getAccessSettings(
  db: Db,
  userId: string,
  name: string,
): Promise<AccessSummary & { appHost: AppHost; allowedAddresses: string[] }> {
  const reservation = await ownedReservation(db, userId, name);
  return {
    mode: reservation.accessMode,
    hasPassword: reservation.passwordHash !== null,
    appHost: reservation.hostLocalhost ? "LOCALHOST" : "VISITOR",
    allowedAddresses: reservation.allowedIps,
  };
}

/**
 * Sets the visitor addresses that may open a name (empty: anyone). The relay checks them before any
 * password or share link, and is told at once. Returns the list as stored.
 */
export async function setAllowedAddresses(
  db: Db,
  userId: string,
  name: string,
  input: unknown,
): Promise<string[]> {
  const { addresses } = parseInput(allowedAddressesSchema, input);
  const reservation = await ownedReservation(db, userId, name);
  await db.$transaction([
    db.reservation.update({ where: { id: reservation.id }, data: { allowedIps: addresses } }),
    relayCommandQuery(db, { type: "access-changed", name: reservation.name }),
  ]);
  return addresses;
}

/**
 * Sets the Host header the name's app receives. "localhost" is for development servers that refuse
 * requests for host names they were not told about (Vite, webpack-dev-server, Django, Rails): the
 * visitor's host still arrives as X-Forwarded-Host. The relay is told at once.
 */
export async function setAppHost(db: Db, userId: string, name: string, input: unknown): Promise<AppHost> {
  const { host } = parseInput(appHostSchema, input);
  const reservation = await ownedReservation(db, userId, name);
  await db.$transaction([
    db.reservation.update({ where: { id: reservation.id }, data: { hostLocalhost: host === "LOCALHOST" } }),
    relayCommandQuery(db, { type: "access-changed", name: reservation.name }),
  ]);
  return host;
}

/**
 * Sets who may open a tunnel. A new password bumps the password version, which signs out every
 * visitor who got in with the old one. The relay is told at once (cached access state dropped).
 */
export async function setAccessSettings(
  db: Db,
  userId: string,
  name: string,
  input: unknown,
): Promise<AccessSummary> {
  const { mode, password } = parseInput(accessSettingsSchema, input);
  const reservation = await ownedReservation(db, userId, name);
  if (mode === "PASSWORD" && !password && !reservation.passwordHash) {
    throw new AppError("invalid_input", "Set a password for password mode", { password: ["Set a password"] });
  }
  const passwordHash = password ? await hashPassword(password) : undefined;
  const [updated] = await db.$transaction([
    db.reservation.update({
      where: { id: reservation.id },
      data: {
        accessMode: mode,
        ...(passwordHash ? { passwordHash, passwordVersion: { increment: 1 } } : {}),
      },
      omit: { passwordHash: false },
    }),
    relayCommandQuery(db, { type: "access-changed", name: reservation.name }),
  ]);
  return { mode: updated.accessMode, hasPassword: updated.passwordHash !== null };
}

/** Creates a share link; the token is returned once and only its hash is stored. */
export async function createShareLink(
  db: Db,
  userId: string,
  name: string,
  input: unknown,
  now = new Date(),
) {
  const parsed = parseInput(createShareLinkSchema, input);
  const expiresAt = expiryDate(parsed, now);
  if (expiresAt && expiresAt <= now) {
    throw new AppError("invalid_input", "The expiry must be in the future", {
      expiresAt: ["Pick a date in the future"],
    });
  }
  const reservation = await ownedReservation(db, userId, name);
  const { token, tokenHash } = createShareToken();
  const link = await db.shareLink.create({
    data: {
      reservationId: reservation.id,
      label: parsed.label,
      tokenHash,
      expiresAt,
      maxUses: parsed.maxUses ?? null,
    },
    omit: { tokenHash: true },
  });
  return { link, token };
}

export async function listShareLinks(db: Db, userId: string, name: string) {
  const reservation = await ownedReservation(db, userId, name);
  return db.shareLink.findMany({
    where: { reservationId: reservation.id },
    omit: { tokenHash: true },
    orderBy: { createdAt: "desc" },
  });
}

/** Revokes a link; visitors holding its cookie are cut off as soon as the relay hears of it. */
export async function revokeShareLink(
  db: Db,
  userId: string,
  name: string,
  linkId: string,
  now = new Date(),
) {
  const reservation = await ownedReservation(db, userId, name);
  const [result] = await db.$transaction([
    db.shareLink.updateMany({
      where: { id: linkId, reservationId: reservation.id, revokedAt: null },
      data: { revokedAt: now },
    }),
    relayCommandQuery(db, { type: "access-changed", name: reservation.name }),
  ]);
  if (result.count === 0) {
    const exists = await db.shareLink.count({ where: { id: linkId, reservationId: reservation.id } });
    if (exists === 0) throw new AppError("not_found", "No such link");
  }
}

/**
 * Removes links that no longer admit anyone (revoked, expired or used up) from the list: either one
 * (`linkId`) or all of the name's. An active link is refused: revoking first is what cuts off the
 * visitors holding it. Requests that came in with a removed link stay in the log, marked as such.
 * Returns how many were removed.
 */
export async function removeShareLinks(
  db: Db,
  userId: string,
  name: string,
  which: { linkId: string } | "inactive",
  now = new Date(),
): Promise<number> {
  const reservation = await ownedReservation(db, userId, name);
  const inactive = {
    OR: [
      { revokedAt: { not: null } },
      { expiresAt: { lte: now } },
      { uses: { gte: db.shareLink.fields.maxUses } },
    ],
  };
  // A used-up link still admits the visitors who opened it (their cookies): removing it ends that,
  // so the relay is told with the delete, as for a revocation, and closes their open connections.
  const remove = async (where: { reservationId: string } | { id: string }) => {
    const [{ count }] = await db.$transaction([
      db.shareLink.deleteMany({ where: { ...where, ...inactive } }),
      relayCommandQuery(db, { type: "access-changed", name: reservation.name }),
    ]);
    return count;
  };
  if (which === "inactive") return remove({ reservationId: reservation.id });
  const link = await db.shareLink.findFirst({ where: { id: which.linkId, reservationId: reservation.id } });
  if (!link) throw new AppError("not_found", "No such link");
  if (shareLinkProblem(link, now) === null) {
    throw new AppError("conflict", `The link “${link.label}” still works: revoke it before removing it`);
  }
  return remove({ id: link.id });
}

/** Why a link no longer admits anyone, or null while it does. */
export function shareLinkProblem(
  link: { revokedAt: Date | null; expiresAt: Date | null; maxUses: number | null; uses: number },
  now: Date,
): "revoked" | "expired" | "used_up" | null {
  if (link.revokedAt) return "revoked";
  if (link.expiresAt && link.expiresAt <= now) return "expired";
  if (link.maxUses !== null && link.uses >= link.maxUses) return "used_up";
  return null;
}
