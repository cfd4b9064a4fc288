import type { Db } from "../db.ts";
import type { Role } from "../generated/prisma/enums.ts";

/** How long a dashboard sign-in lasts, in seconds; the session cookie is given the same lifetime. */
export const WEB_SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

/** Who a signed-in browser belongs to. */
export interface WebSessionUser {
  id: string;
  email: string;
  role: Role;
}

/**
 * Records a sign-in and returns the id the session cookie will carry. The user's expired rows go
 * on the way, so the table holds about one row per browser that is signed in.
 */
export async function startWebSession(db: Db, userId: string, now = new Date()): Promise<string> {
  const [, session] = await db.$transaction([
    db.webSession.deleteMany({ where: { userId, expiresAt: { lte: now } } }),
    db.webSession.create({
      data: { userId, expiresAt: new Date(now.getTime() + WEB_SESSION_MAX_AGE_S * 1000) },
      select: { id: true },
    }),
  ]);
  return session.id;
}

/**
 * The user a session cookie stands for, or null when that browser signed out, the sign-in expired,
 * or the account is gone or disabled. `userId` is the one the cookie names: both must agree.
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
      user: { select: { id: true, email: true, role: true, disabledAt: true } },
    },
  });
  if (!session || session.expiresAt <= now) return null;
  const { user } = session;
  if (user.id !== userId || user.disabledAt) return null;
  return { id: user.id, email: user.email, role: user.role };
}

/** Signs one browser out. Ending a session that is already gone is not an error. */
export async function endWebSession(db: Db, sessionId: string): Promise<void> {
  await db.webSession.deleteMany({ where: { id: sessionId } });
}

/**
 * Signs a user out of every browser but `except` (the one changing the password, if any). Returns
 * the query unawaited, so it can join the transaction that makes the change.
 */
export function endUserWebSessions(db: Db, userId: string, except?: string) {
  return db.webSession.deleteMany({ where: { userId, ...(except ? { id: { not: except } } : {}) } });
}
