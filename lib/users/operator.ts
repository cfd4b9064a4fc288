import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import type { Role } from "../generated/prisma/enums.ts";
import {
  DISABLED_REASON,
  disconnectUserTunnels,
  getUserByEmail,
  lockAccounts,
  type UserSummary,
} from "./service.ts";
import { endUserWebSessions } from "./web-sessions.ts";

/**
 * Account changes by whoever runs the server (`burrow user disable|enable|role`), by email. The
 * dashboard's versions (service.ts) act as a signed-in admin, who cannot disable or demote
 * themselves, and that alone keeps an admin. Here nobody is acting, so the rule is said outright:
 * the last enabled admin is neither disabled nor demoted, or nobody could use the Users page.
 */

export interface AccountChange {
  user: UserSummary;
  /** False when the account was already so (nothing was written). */
  changed: boolean;
}

/**
 * Disables or re-enables an account. Disabling signs it out of every browser and asks the relay to
 * close its open tunnels (each owner's ssh client is told "account disabled"); `closing` names them.
 * Re-enabling signs nobody back in.
 */
export async function setAccountDisabledByEmail(
  db: Db,
  email: string,
  disabled: boolean,
): Promise<AccountChange & { closing: string[] }> {
  const found = await getUserByEmail(db, email);
  if ((found.disabledAt !== null) === disabled) return { user: found, changed: false, closing: [] };
  const user = await db.$transaction(async (tx) => {
    if (disabled && found.role === "ADMIN") await assertAnotherAdmin(tx, found, "disable");
    return tx.user.update({
      where: { id: found.id },
      data: { disabledAt: disabled ? new Date() : null },
      select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
    });
  });
  if (!disabled) return { user, changed: true, closing: [] };
  await endUserWebSessions(db, user.id);
  // As when an admin disables the account on the dashboard.
  const closing = await disconnectUserTunnels(db, user.id, DISABLED_REASON);
  return { user, changed: true, closing };
}

/** Makes an account an admin or a regular user. */
export async function setAccountRoleByEmail(db: Db, email: string, role: Role): Promise<AccountChange> {
  const found = await getUserByEmail(db, email);
  if (found.role === role) return { user: found, changed: false };
  const user = await db.$transaction(async (tx) => {
    if (role !== "ADMIN" && found.disabledAt === null) await assertAnotherAdmin(tx, found, "demote");
    return tx.user.update({
      where: { id: found.id },
      data: { role },
      select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
    });
  });
  return { user, changed: true };
}

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/**
 * Refuses (conflict) when `user` is the only enabled admin. Takes the accounts lock for the
 * transaction: two runs at once (disable ann, disable bob), or one beside a dashboard admin's
 * change, would each see the other as the admin left.
 */
async function assertAnotherAdmin(tx: Tx, user: UserSummary, verb: "disable" | "demote"): Promise<void> {
  await lockAccounts(tx);
  const others = await tx.user.count({
    where: { role: "ADMIN", disabledAt: null, id: { not: user.id } },
  });
  if (others > 0) return;
  throw new AppError(
    "conflict",
    `${user.email} is the only admin: make another account an admin first ` +
      `(npm run burrow -- user role <email> admin), then ${verb} this one`,
  );
}
