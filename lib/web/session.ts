import "server-only";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { findWebSessionUser, isAccountDisabled } from "../users/web-sessions.ts";
import { auth } from "./auth.ts";
import { getDb } from "./db.ts";

export interface CurrentUser {
  id: string;
  email: string;
  role: "USER" | "ADMIN";
  /** This browser's web session (lib/users/web-sessions.ts). */
  sessionId: string;
}

/**
 * The signed-in user, re-read from the database once per request: a JWT stays valid until it
 * expires, so a signed-out browser, a deleted or disabled account (or a demoted admin) must be
 * caught here, not trusted. Cookies from before web sessions existed carry no session id: signed out.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  const sessionId = session?.sessionId;
  if (!id || !sessionId) return null;
  const user = await findWebSessionUser(getDb(), sessionId, id);
  return user && { ...user, sessionId };
});

/**
 * Why this browser is not signed in (getCurrentUser gave null): "disabled" when it still holds the
 * cookie of an account that an admin has disabled since, which signing in again cannot mend;
 * "ended" otherwise (signed out, expired, or this could not be told).
 */
export async function whySignedOut(): Promise<"ended" | "disabled"> {
  try {
    const id = (await auth())?.user?.id;
    return id && (await isAccountDisabled(getDb(), id)) ? "disabled" : "ended";
  } catch {
    return "ended";
  }
}

/** For pages: the user, or a redirect to /login (saying so when the account was disabled). */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect((await whySignedOut()) === "disabled" ? "/login?ended=disabled" : "/login");
  return user;
}

/** For admin pages: non-admins get the same 404 as a page that does not exist. */
export async function requireAdmin(): Promise<CurrentUser> {
  const user = await requireUser();
  if (user.role !== "ADMIN") notFound();
  return user;
}
