"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError, isAppError } from "@/lib/errors";
import { changePasswordSchema } from "@/lib/users/schemas";
import { changePassword } from "@/lib/users/service";
import { endOwnWebSession, endUserWebSessions } from "@/lib/users/web-sessions";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";
import { clientIp } from "@/lib/web/request-ip";
import { signInThrottle } from "@/lib/web/sign-in-limits";

// Wrong current passwords count against the same limit as sign-in: a session left open on a shared
// computer must not become a way to guess the password.
export const changePasswordAction = defineAction(
  { schema: changePasswordSchema },
  async (input, { user }): Promise<null> => {
    const ip = await clientIp();
    const wait = signInThrottle.retryAfter(user.email, ip);
    if (wait > 0) throw new AppError("rate_limited", `Too many attempts, try again in ${wait} seconds`);
    try {
      await changePassword(getDb(), user.id, input, user.sessionId);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors?.currentPassword) signInThrottle.fail(user.email, ip);
      throw error;
    }
    signInThrottle.succeed(user.email, ip);
    return null;
  },
);

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
