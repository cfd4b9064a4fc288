import type { Db } from "../db.ts";
import { AppError } from "../errors.ts";
import type { Role } from "../generated/prisma/enums.ts";

/** How long a dashboard sign-in lasts, in seconds; the session cookie is given the same lifetime. */
export const WEB_SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

/** `lastSeenAt` is written at most this often per browser: a write per page view is not worth it. */
export const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

/** Stored User-Agent and address are capped: they come from the request and are shown as text. */
const USER_AGENT_MAX = 512;
const IP_MAX = 64;

/** Who a signed-in browser belongs to. */
export interface WebSessionUser {
  id: string;
  email: string;
  role: Role;
}

/** The browser signing in, as its request described it. */
export interface WebClient {
  userAgent: string | null;
  ip: string | null;
}

/** A signed-in browser as the account page lists it. */
export interface WebSessionSummary {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/**
 * Records a sign-in and returns the id the session cookie will carry. The user's expired rows go
 * on the way, so the table holds about one row per browser that is signed in.
 */
export async function startWebSession(
  db: Db,
  userId: string,
  client: WebClient,
  now = new Date(),
): Promise<string> {
  const [, session] = await db.$transaction([
    db.webSession.deleteMany({ where: { userId, expiresAt: { lte: now } } }),
    db.webSession.create({
      data: {
        userId,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + WEB_SESSION_MAX_AGE_S * 1000),
        userAgent: client.userAgent?.slice(0, USER_AGENT_MAX) || null,
        ip: client.ip?.slice(0, IP_MAX) || null,
      },
      select: { id: true },
    }),
  ]);
  return session.id;
}

/**
 * The user a session cookie stands for, or null when that browser signed out, the sign-in expired,
 * or the account is gone or disabled. `userId` is the one the cookie names: both must agree.
 * Refreshes the session's `lastSeenAt` when it is older than LAST_SEEN_RESOLUTION_MS.
 */
export async function findWebSessionUser(
  db: Db,
  sessionId: string,
  userId: string,
  now = new Date(),
): Promise<WebSessionUser | null> {
  const session = await db.webSession.findUnique({
    where: { id: sessionId },
    select: {
      expiresAt: true,
      lastSeenAt: true,
      user: { select: { id: true, email: true, role: true, disabledAt: true } },
    },
  });
  if (!session || session.expiresAt <= now) return null;
  const { user } = session;
  if (user.id !== userId || user.disabledAt) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    // updateMany: the browser may have signed out in the meantime, which is not an error here.
    await db.webSession.updateMany({ where: { id: sessionId }, data: { lastSeenAt: now } });
  }
  return { id: user.id, email: user.email, role: user.role };
}

/**
 * Whether the account is disabled: a browser it had signed in (its sessions were ended then) is told
 * so, rather than to sign in again, which would be refused.
 */
export async function isAccountDisabled(db: Db, userId: string): Promise<boolean> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { disabledAt: true } });
  return Boolean(user?.disabledAt);
}

/** The user's signed-in browsers, most recently used first. */
export async function listWebSessions(
  db: Db,
  userId: string,
  now = new Date(),
): Promise<WebSessionSummary[]> {
  return db.webSession.findMany({
    where: { userId, expiresAt: { gt: now } },
    select: { id: true, createdAt: true, lastSeenAt: true, userAgent: true, ip: true },
    orderBy: [{ lastSeenAt: "desc" }, { createdAt: "desc" }],
  });
}

/** Signs one browser out (Auth.js's sign-out). Ending a session that is already gone is not an error. */
export async function endWebSession(db: Db, sessionId: string): Promise<void> {
  await db.webSession.deleteMany({ where: { id: sessionId } });
}

/** A user signs out one of their own browsers from the account page; another user's is not found. */
export async function endOwnWebSession(db: Db, userId: string, sessionId: string): Promise<void> {
  const { count } = await db.webSession.deleteMany({ where: { id: sessionId, userId } });
  if (count === 0) throw new AppError("not_found", "That browser is already signed out");
}

/**
 * Signs a user out of every browser but `except` (the one asking, if any). Returns the query
 * unawaited, so it can join the transaction of the change that calls for it (a new password).
 */
export function endUserWebSessions(db: Db, userId: string, except?: string) {
  return db.webSession.deleteMany({ where: { userId, ...(except ? { id: { not: except } } : {}) } });
}
