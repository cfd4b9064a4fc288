import { createHash } from "node:crypto";
import { escapeLike } from "../db/like.ts";
import type { Db } from "../db.ts";
import { AppError, isUniqueViolation } from "../errors.ts";
import type { Role } from "../generated/prisma/enums.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "../passwords.ts";
import { sendRelayCommand } from "../relay-control.ts";
import { startLogDeletion } from "../request-logs/deletions.ts";
import { deleteLogInTransaction, LOG_DELETE_TRANSACTION_MS } from "../request-logs/retention.ts";
import { endSessionsOfStoppedRelays } from "../tunnel-sessions/stopped-relays.ts";
import { parseInput } from "../validate.ts";
import { ACCOUNT_DISABLED } from "./account-disabled.ts";
import {
  type ChangePasswordInput,
  changePasswordSchema,
  type DeleteAccountInput,
  deleteAccountSchema,
  emailSchema,
  roleSchema,
  signUpSchema,
} from "./schemas.ts";
import { endUserWebSessions } from "./web-sessions.ts";

/** A user as every caller sees it: never the password hash. */
export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
  createdAt: Date;
}

/** A row of the admin user list. */
export interface UserListItem extends UserSummary {
  names: number;
  keys: number;
}

const userSelect = { id: true, email: true, role: true, disabledAt: true, createdAt: true } as const;

/**
 * Serialises, across processes (dashboard, CLI), every change to whether an account exists or is an
 * enabled admin: "is this the first account?" at sign-up and "is another admin left?" when deleting,
 * disabling or demoting. Two such changes at once (two admins demoting each other) would each see
 * the other as the admin left. Arbitrary, fixed.
 */
const ACCOUNTS_LOCK = 72707370;

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** Takes ACCOUNTS_LOCK until the transaction ends; later reads in it see every change made before. */
export async function lockAccounts(tx: Pick<Tx, "$executeRaw">): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ACCOUNTS_LOCK})`;
}

/**
 * Creates an account. The first account of an empty instance becomes ADMIN, so whoever installs
 * Burrow can administer it without a separate bootstrap step; `admin: true` (the CLI's --admin)
 * makes any account an admin. Duplicate emails are a conflict.
 */
export async function createUser(
  db: Db,
  input: { email: string; password: string; admin?: boolean },
): Promise<UserSummary> {
  const { email, password } = parseInput(signUpSchema, input);
  // Hash outside the transaction: it is the slow part and needs no lock.
  const passwordHash = await hashPassword(password);
  try {
    return await db.$transaction(async (tx) => {
      // Two sign-ups racing on an empty table would both count zero users; the transaction-scoped
      // advisory lock makes the count-then-insert atomic without locking the whole table.
      await lockAccounts(tx);
      const first = (await tx.user.count()) === 0;
      return tx.user.create({
        data: { email, passwordHash, role: first || input.admin ? "ADMIN" : "USER" },
        select: userSelect,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("conflict", "An account with this email already exists", {
        email: ["An account with this email already exists"],
      });
    }
    throw error;
  }
}

export { ACCOUNT_DISABLED } from "./account-disabled.ts";

/**
 * The user with this email and password, or null: unknown email and wrong password look the same to
 * the caller. An unknown email is still checked against a dummy hash so the response time does not
 * reveal whether the account exists. A disabled account with the right password throws a forbidden
 * AppError (ACCOUNT_DISABLED): only someone who knows the password learns it is disabled, and they
 * learn whom to ask instead of retrying a password that is right.
 */
export async function verifyCredentials(
  db: Db,
  email: string,
  password: string,
): Promise<UserSummary | null> {
  const parsedEmail = emailSchema.safeParse(email);
  const user = parsedEmail.success
    ? await db.user.findUnique({
        where: { email: parsedEmail.data },
        select: { ...userSelect, passwordHash: true },
      })
    : null;
  const matches = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user || !matches) return null;
  if (user.disabledAt) throw new AppError("forbidden", ACCOUNT_DISABLED);
  const { passwordHash: _hash, ...summary } = user;
  return summary;
}

/**
 * A token that changes whenever the account's password is set (its hash has a fresh salt each time,
 * even for the same password); "" for an unknown email. The sign-in throttle keys its counts on it,
 * so setting a new password lifts a lock in every dashboard process, including one set by the CLI in
 * another process, without a column to record when. The hash itself never leaves: only a digest.
 */
export async function passwordVersion(db: Db, email: string): Promise<string> {
  const parsedEmail = emailSchema.safeParse(email);
  if (!parsedEmail.success) return "";
  const user = await db.user.findUnique({
    where: { email: parsedEmail.data },
    select: { passwordHash: true },
  });
  return user ? createHash("sha256").update(user.passwordHash).digest("base64url").slice(0, 16) : "";
}

/**
 * Changes a user's own password once the current one is confirmed, and signs out every other
 * browser of theirs (`keepSessionId` is the one making the change). A wrong current password is a
 * field error and changes nothing.
 */
export async function changePassword(
  db: Db,
  userId: string,
  input: ChangePasswordInput,
  keepSessionId: string,
): Promise<void> {
  const { currentPassword, newPassword } = parseInput(changePasswordSchema, input);
  await confirmPassword(db, userId, currentPassword);
  const passwordHash = await hashPassword(newPassword);
  await db.$transaction([
    db.user.update({ where: { id: userId }, data: { passwordHash } }),
    endUserWebSessions(db, userId, keepSessionId),
  ]);
}

/** A wrong current password is a field error (the form shows it under the field). */
async function confirmPassword(db: Db, userId: string, currentPassword: string): Promise<void> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  if (!user) throw new AppError("not_found", "No such user");
  if (!(await verifyPassword(user.passwordHash, currentPassword))) {
    throw new AppError("invalid_input", "Check the highlighted fields", {
      currentPassword: ["That is not your current password"],
    });
  }
}

/**
 * Deletes the user's own account once the password is confirmed: their names are released (their
 * request logs deleted in the background, as a release's are: see removeAccount), and their keys,
 * share links, tunnel history and browser sessions go with the account (foreign-key cascades).
 * Refused, changing nothing, while one of their tunnels is connected (as a release is) and for the
 * last admin of an instance that has other accounts. Returns the released names.
 */
export async function deleteOwnAccount(db: Db, userId: string, input: DeleteAccountInput): Promise<string[]> {
  const { currentPassword } = parseInput(deleteAccountSchema, input);
  await confirmPassword(db, userId, currentPassword);
  return removeAccount(db, userId, OWN_REFUSALS);
}

/**
 * Every reason deleteOwnAccount would refuse now (a tunnel up, the only admin), in its words; empty
 * when none. For the Account page to say before the password is typed; deleting checks again.
 */
export async function ownAccountDeletionBlockers(db: Db, userId: string): Promise<string[]> {
  return removalReasons(db, userId, OWN_REFUSALS);
}

const OWN_REFUSALS: Refusals = {
  connected: (names) =>
    `${names.text} ${names.are} connected right now: stop your tunnels first, then delete your account`,
  onlyAdmin: "You are the only admin: make another account an admin first",
};

/**
 * An admin deletes another account, with the same effects as deleteOwnAccount. Refused while one
 * of its tunnels is connected (disabling the account first closes them) and for the admin's own
 * account (the Account page asks for the password). Returns the released names.
 */
export async function deleteUser(db: Db, actingAdminId: string, userId: string): Promise<string[]> {
  await assertActingAdmin(db, actingAdminId);
  if (actingAdminId === userId) {
    throw new AppError("conflict", "Delete your own account from the Account page");
  }
  return removeAccount(db, userId, ADMIN_REFUSALS);
}

/**
 * For the admin's list of users: why deleting each of them would be refused now (deleteUser's
 * words), by user id; those that can go are absent. One query for the page, not a round per row:
 * only a connected tunnel can refuse it, the acting admin being another enabled admin.
 */
export async function userDeletionBlockers(db: Db, userIds: string[]): Promise<Map<string, string>> {
  await endSessionsOfStoppedRelays(db);
  const open = await db.tunnelSession.findMany({
    where: { userId: { in: userIds }, endedAt: null },
    select: { userId: true, name: true },
    distinct: ["userId", "name"],
    orderBy: { name: "asc" },
  });
  const names = new Map<string, string[]>();
  for (const { userId, name } of open) names.set(userId, [...(names.get(userId) ?? []), name]);
  return new Map(
    [...names].map(([userId, connected]) => [userId, ADMIN_REFUSALS.connected(connectedNames(connected))]),
  );
}

const ADMIN_REFUSALS: Refusals = {
  connected: (names) =>
    `${names.text} of this account ${names.are} connected right now: disable the account first, which closes its tunnels`,
  // Unreachable: the acting admin is another one.
  onlyAdmin: "This is the only admin: make another account an admin first",
};

/**
 * `burrow user delete` (whoever runs the server): deletes an account by email with the same effects
 * and refusals as deleteOwnAccount, the password aside. Returns the account and its released names.
 */
export async function deleteUserByEmail(
  db: Db,
  email: string,
): Promise<{ user: UserSummary; names: string[] }> {
  const user = await getUserByEmail(db, email);
  const names = await removeAccount(db, user.id, byEmailRefusals(user.email));
  return { user, names };
}

/**
 * Why `burrow user delete --yes` would be refused now (a tunnel up, the only admin), in its words;
 * null when it would go ahead. For the run without --yes, which says so before what would go.
 */
export async function userDeletionRefusal(
  db: Db,
  user: Pick<UserSummary, "id" | "email">,
): Promise<string | null> {
  try {
    await assertRemovable(db, user.id, byEmailRefusals(user.email));
    return null;
  } catch (error) {
    if (error instanceof AppError && error.code === "conflict") return error.message;
    throw error;
  }
}

function byEmailRefusals(email: string): Refusals {
  return {
    connected: (names) =>
      `${names.text} of ${email} ${names.are} connected right now: stop ${names.count === 1 ? "its tunnel" : "their tunnels"} first (npm run burrow -- name disconnect ${names.count === 1 ? names.first : "<name>"})`,
    onlyAdmin: `${email} is the only admin: make another account an admin first (npm run burrow -- user role <email> admin)`,
  };
}

/** Connected names as a refusal says them: "a, b and c", "a, b, c and 2 more". */
interface ConnectedNames {
  text: string;
  are: "is" | "are";
  count: number;
  first: string;
}

type Refusals = { connected: (names: ConnectedNames) => string; onlyAdmin: string };

/** Names shown in a refusal before "and N more". */
const NAMES_SHOWN = 3;

function connectedNames(names: string[]): ConnectedNames {
  const shown = names.slice(0, names.length > NAMES_SHOWN ? NAMES_SHOWN : names.length - 1);
  const last = names.length > NAMES_SHOWN ? `${names.length - NAMES_SHOWN} more` : names.at(-1)!;
  const text = shown.length === 0 ? last : `${shown.join(", ")} and ${last}`;
  return { text, are: names.length === 1 ? "is" : "are", count: names.length, first: names[0]! };
}

/**
 * Deletes an account: the user row (keys, names, share links, tunnel history and browser sessions
 * follow by cascade) and the request logs of its random-name tunnels. Its names' logs, which may
 * hold millions of rows (a minute or more, longer than a web request may last behind a proxy),
 * are released as a release's are: their deletions start here and run in the background
 * (runLogDeletion; the caller starts them, the relay takes up any that stop), and nobody may
 * reserve those names until they are done. Refused while a tunnel is up (its session row would
 * vanish under the relay) and for the last admin of an instance with other accounts, each with
 * the caller's words.
 */
async function removeAccount(db: Db, userId: string, refusals: Refusals): Promise<string[]> {
  // Checked first on their own, so a refusal is quick and does not first delete (then restore) a log.
  await assertRemovable(db, userId, refusals);
  return db.$transaction(
    async (tx) => {
      const names = (await tx.reservation.findMany({ where: { userId }, select: { name: true } })).map(
        (r) => r.name,
      );
      // Together with the account, or not at all: a name is never free to reserve before its
      // deletion is under way. With no user id: the names page that would show it goes with them.
      for (const name of names) await startLogDeletion(tx, name, "release");
      // Random names are nobody's once their tunnel ends and may go to someone else later: only the
      // rows of this account's own sessions under them go (by name first, which is indexed), and
      // before the lock sign-ups take, so that deleting many does not hold them up.
      const randomSessions = await tx.tunnelSession.findMany({
        where: { userId, randomName: true },
        select: { id: true, name: true },
      });
      const sessionsByName = new Map<string, string[]>();
      for (const s of randomSessions) {
        const ids = sessionsByName.get(s.name);
        if (ids) ids.push(s.id);
        else sessionsByName.set(s.name, [s.id]);
      }
      for (const [name, ids] of sessionsByName) await deleteLogInTransaction(tx, name, ids);
      // Checked again under the lock (two admins deleting themselves at once must not both see the
      // other): a tunnel that connected meanwhile refuses it, and everything rolls back.
      await lockAccounts(tx);
      await assertRemovable(tx, userId, refusals);
      await tx.user.delete({ where: { id: userId } });
      return names;
    },
    { timeout: LOG_DELETE_TRANSACTION_MS },
  );
}

/** Throws the caller's refusal when the account cannot be deleted now; not_found when it is gone. */
async function assertRemovable(
  db: Pick<Db, "user" | "tunnelSession" | "$executeRaw">,
  userId: string,
  refusals: Refusals,
): Promise<void> {
  const reasons = await removalReasons(db, userId, refusals);
  if (reasons.length > 0) {
    const [first, ...more] = reasons;
    const rest = more.map((reason) => `; and ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
    throw new AppError("conflict", `${first}${rest.join("")}`);
  }
}

/** Every reason the account cannot be deleted now, in the caller's words; not_found when it is gone. */
async function removalReasons(
  db: Pick<Db, "user" | "tunnelSession" | "$executeRaw">,
  userId: string,
  refusals: Refusals,
): Promise<string[]> {
  // A tunnel its stopped relay left open is not up (no relay may run at all): it must not refuse.
  await endSessionsOfStoppedRelays(db);
  const user = await db.user.findUnique({ where: { id: userId }, select: { role: true } });
  if (!user) throw new AppError("not_found", "No such user");
  // Every reason at once: fixing one only to meet the next would waste the person's time.
  const reasons: string[] = [];
  const connected = await db.tunnelSession.findMany({
    where: { userId, endedAt: null },
    select: { name: true },
    distinct: ["name"],
    orderBy: { name: "asc" },
  });
  if (connected.length > 0) reasons.push(refusals.connected(connectedNames(connected.map((s) => s.name))));
  if (user.role === "ADMIN") {
    const otherAdmins = await db.user.count({
      where: { role: "ADMIN", disabledAt: null, id: { not: userId } },
    });
    const others = await db.user.count({ where: { id: { not: userId } } });
    if (otherAdmins === 0 && others > 0) reasons.push(refusals.onlyAdmin);
  }
  return reasons;
}

/**
 * Sets an account's password without the current one (`burrow user password`, for whoever runs the
 * server, e.g. when a user forgot theirs) and signs that account out of every browser.
 */
export async function resetPassword(db: Db, email: string, password: string): Promise<UserSummary> {
  const user = await getUserByEmail(db, email);
  // Named as a field, as everywhere else: the CLI then says "password: Use at least 10 characters".
  const passwordHash = await hashPassword(
    parseInput(signUpSchema.pick({ password: true }), { password }).password,
  );
  await db.$transaction([
    db.user.update({ where: { id: user.id }, data: { passwordHash } }),
    endUserWebSessions(db, user.id),
  ]);
  return user;
}

/** A page of accounts: those listed, how many match the search, and how many there are. */
export interface UserList {
  users: UserListItem[];
  matching: number;
  all: number;
}

/**
 * Accounts, oldest first, with how many names and keys each has: those whose email contains
 * `search` (literally, any case; every account without one), at most `take`.
 */
export async function listUsers(db: Db, options: { search?: string; take?: number } = {}): Promise<UserList> {
  const where = options.search
    ? { email: { contains: escapeLike(options.search), mode: "insensitive" as const } }
    : {};
  const [users, matching, all] = await Promise.all([
    db.user.findMany({
      where,
      select: { ...userSelect, _count: { select: { reservations: true, sshKeys: true } } },
      orderBy: { createdAt: "asc" },
      ...(options.take !== undefined && { take: options.take }),
    }),
    db.user.count({ where }),
    options.search ? db.user.count() : undefined,
  ]);
  return {
    users: users.map(({ _count, ...user }) => ({
      ...user,
      names: _count.reservations,
      keys: _count.sshKeys,
    })),
    matching,
    all: all ?? matching,
  };
}

/** One account by id; not_found when it does not exist. */
export async function getUser(db: Pick<Db, "user">, id: string): Promise<UserSummary> {
  const user = await db.user.findUnique({ where: { id }, select: userSelect });
  if (!user) throw new AppError("not_found", "No such user");
  return user;
}

/** One account by email (the CLI's way to name users); not_found when there is none. */
export async function getUserByEmail(db: Db, email: string): Promise<UserSummary> {
  const parsed = parseInput(emailSchema, email);
  const user = await db.user.findUnique({ where: { email: parsed }, select: userSelect });
  if (!user) throw new AppError("not_found", `No user with the email ${parsed}`);
  return user;
}

/**
 * Disables or re-enables an account. A disabled user cannot sign in or open tunnels; their open
 * tunnels are closed and their browsers signed out now (re-enabling does not sign them back in).
 * An admin cannot disable themselves, which also guarantees one admin stays.
 */
export async function setUserDisabled(
  db: Db,
  actingAdminId: string,
  userId: string,
  disabled: boolean,
): Promise<UserSummary> {
  if (actingAdminId === userId) throw new AppError("conflict", "You cannot disable your own account");
  const user = await asActingAdmin(db, actingAdminId, (tx) =>
    updateUser(tx, userId, { disabledAt: disabled ? new Date() : null }),
  );
  if (disabled) {
    await endUserWebSessions(db, userId);
    await disconnectUserTunnels(db, userId, DISABLED_REASON);
  }
  return user;
}

/**
 * An admin sets another account's password (a user who forgot theirs: there is no email reset) and
 * signs that account out of every browser. Their own goes through Account, which asks for the
 * current one.
 */
export async function setUserPassword(
  db: Db,
  actingAdminId: string,
  userId: string,
  password: string,
): Promise<UserSummary> {
  // As a field, so the dashboard shows the message under its password field.
  const parsed = parseInput(signUpSchema.pick({ password: true }), { password }).password;
  await assertActingAdmin(db, actingAdminId);
  if (actingAdminId === userId) {
    throw new AppError("conflict", "Change your own password on your Account page");
  }
  const passwordHash = await hashPassword(parsed);
  const [{ count }] = await db.$transaction([
    db.user.updateMany({ where: { id: userId }, data: { passwordHash } }),
    endUserWebSessions(db, userId),
  ]);
  if (count === 0) throw new AppError("not_found", "No such user");
  return getUser(db, userId);
}

/** Makes an account an admin or a regular user. An admin cannot demote themselves. */
export async function setUserRole(
  db: Db,
  actingAdminId: string,
  userId: string,
  role: Role,
): Promise<UserSummary> {
  const parsedRole = parseInput(roleSchema, role);
  if (actingAdminId === userId && parsedRole !== "ADMIN") {
    throw new AppError("conflict", "You cannot remove your own admin role: ask another admin");
  }
  return asActingAdmin(db, actingAdminId, (tx) => updateUser(tx, userId, { role: parsedRole }));
}

/**
 * Runs a change to who the admins are as the acting admin, checked under ACCOUNTS_LOCK: an admin
 * cannot disable or demote themselves, so an acting admin who is still one when the change lands
 * keeps one admin. Checked before the lock, two admins demoting each other would both pass.
 */
async function asActingAdmin<T>(db: Db, actingAdminId: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  await assertActingAdmin(db, actingAdminId);
  return db.$transaction(async (tx) => {
    await lockAccounts(tx);
    await assertActingAdmin(tx, actingAdminId);
    return change(tx);
  });
}

/** Defence in depth: the dashboard checks the session's role too, but a stale one must not act. */
async function assertActingAdmin(db: Pick<Db, "user">, actingAdminId: string): Promise<void> {
  const actor = await db.user.findUnique({
    where: { id: actingAdminId },
    select: { role: true, disabledAt: true },
  });
  if (actor?.role !== "ADMIN" || actor.disabledAt) {
    throw new AppError("forbidden", "Only an admin can change accounts");
  }
}

async function updateUser(
  db: Pick<Db, "user">,
  userId: string,
  data: { disabledAt?: Date | null; role?: Role },
): Promise<UserSummary> {
  const { count } = await db.user.updateMany({ where: { id: userId }, data });
  if (count === 0) throw new AppError("not_found", "No such user");
  return getUser(db, userId);
}

/** The reason the relay gives the ssh client of a tunnel closed because its account was disabled. */
export const DISABLED_REASON = "account disabled";

/**
 * Asks the relay to close every open tunnel of a user (best effort: the relay may be down); returns
 * their names, in order.
 */
export async function disconnectUserTunnels(db: Db, userId: string, reason: string): Promise<string[]> {
  const open = await db.tunnelSession.findMany({
    where: { userId, endedAt: null },
    select: { name: true },
    distinct: ["name"],
    orderBy: { name: "asc" },
  });
  for (const { name } of open) await sendRelayCommand(db, { type: "disconnect", name, reason });
  return open.map((session) => session.name);
}
