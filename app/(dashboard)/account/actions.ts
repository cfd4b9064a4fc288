"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError, isAppError } from "@/lib/errors";
import { changePasswordSchema, deleteAccountSchema } from "@/lib/users/schemas";
import { changePassword, deleteOwnAccount, passwordVersion } from "@/lib/users/service";
import { endOwnWebSession, endUserWebSessions } from "@/lib/users/web-sessions";
import { defineAction } from "@/lib/web/action";
import { signOut } from "@/lib/web/auth";
import { getDb } from "@/lib/web/db";
import { formatWait } from "@/lib/web/format";
import { continueLogDeletions } from "@/lib/web/log-deletions";
import { clientIp } from "@/lib/web/request-ip";
import { signInThrottle } from "@/lib/web/sign-in-limits";

// Wrong current passwords (changing the password, deleting the account) count against the same
// limit as sign-in: a session left open on a shared computer must not become a way to guess it.
export const changePasswordAction = defineAction(
  { schema: changePasswordSchema },
  async (input, { user }): Promise<null> => {
    await withPasswordThrottle(user.email, () => changePassword(getDb(), user.id, input, user.sessionId));
    // The other browsers were signed out: the list of them must say so now, not after a reload.
    revalidatePath("/account");
    return null;
  },
);

// The account is gone once this returns, with this browser's session row: signing out clears the
// cookie and goes to the sign-in page, which says what happened.
export const deleteAccountAction = defineAction(
  { schema: deleteAccountSchema },
  async (input, { user }): Promise<null> => {
    const released = await withPasswordThrottle(user.email, () => deleteOwnAccount(getDb(), user.id, input));
    continueLogDeletions(getDb(), released);
    await signOut({ redirectTo: "/login?deleted=1" });
    return null;
  },
);

async function withPasswordThrottle<T>(email: string, run: () => Promise<T>): Promise<T> {
  const ip = await clientIp();
  const version = await passwordVersion(getDb(), email);
  const wait = signInThrottle.retryAfter(email, ip, version);
  if (wait > 0) throw new AppError("rate_limited", `Too many attempts, try again in ${formatWait(wait)}`);
  try {
    const result = await run();
    signInThrottle.succeed(email, ip, version);
    return result;
  } catch (error) {
    if (isAppError(error) && error.fieldErrors?.currentPassword) signInThrottle.fail(email, ip, version);
    throw error;
  }
}

const endSessionSchema = z.object({ sessionId: z.string().min(1).max(64) });

// Scoped to the user in the service: another user's session id is "not found".
export const endSessionAction = defineAction(
  { schema: endSessionSchema },
  async ({ sessionId }, { user }) => {
    if (sessionId === user.sessionId) {
      throw new AppError("invalid_input", "Use Sign out at the top to sign this browser out");
    }
    await endOwnWebSession(getDb(), user.id, sessionId);
    revalidatePath("/account");
    return null;
  },
);

export const endOtherSessionsAction = defineAction({ schema: z.object({}) }, async (_input, { user }) => {
  await endUserWebSessions(getDb(), user.id, user.sessionId);
  revalidatePath("/account");
  return null;
});
