"use server";

import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { signInSchema, signUpSchema } from "@/lib/users/schemas";
import { ACCOUNT_DISABLED, createUser, passwordVersion } from "@/lib/users/service";
import { defineAction } from "@/lib/web/action";
import { isAccountDisabled, isThrottledSignin, signIn, signOut } from "@/lib/web/auth";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { formatWait } from "@/lib/web/format";
import { clientIp } from "@/lib/web/request-ip";
import { safeRedirectPath } from "@/lib/web/safe-redirect";
import { signInThrottle } from "@/lib/web/sign-in-limits";
import { canSignUp } from "@/lib/web/signup-policy";

const withCallback = { callbackUrl: z.string().optional() };

export const signInAction = defineAction(
  { schema: signInSchema.extend(withCallback), access: "public" },
  async ({ email, password, callbackUrl }): Promise<null> => {
    await signInThrottled(email, password);
    redirect(safeRedirectPath(callbackUrl));
  },
);

/**
 * Signs in with the credentials form's rules: guesses are throttled (in authorize, lib/web/auth.ts:
 * per email, address and password version) and one message covers an unknown email and a wrong
 * password.
 */
async function signInThrottled(email: string, password: string): Promise<void> {
  try {
    // redirect: false sets the session cookie and returns; callers redirect themselves afterwards.
    await signIn("credentials", { email, password, redirect: false });
  } catch (error) {
    // The password was right: saying the account is disabled tells a guesser nothing new.
    if (isAccountDisabled(error)) throw new AppError("forbidden", ACCOUNT_DISABLED);
    if (isThrottledSignin(error)) {
      const wait = signInThrottle.retryAfter(email, await clientIp(), await passwordVersion(getDb(), email));
      // formatWait says at least "1 second": the wait may have ended between refusal and look.
      throw new AppError("rate_limited", `Too many attempts, try again in ${formatWait(wait)}`);
    }
    if (error instanceof AuthError && error.type === "CredentialsSignin") {
      throw new AppError("unauthorized", "Wrong email or password");
    }
    throw error;
  }
}

export const signUpAction = defineAction(
  { schema: signUpSchema, access: "public" },
  async ({ email, password }): Promise<null> => {
    if (!(await canSignUp(getDb(), getEnv()))) {
      throw new AppError("forbidden", "Sign-up is closed on this Burrow: ask an admin for an account");
    }
    try {
      await createUser(getDb(), { email, password });
    } catch (error) {
      if (!(error instanceof AppError && error.code === "conflict")) throw error;
      // The account exists: one whose sign-in failed after it was created (the database went away
      // in between), a second click, or someone who forgot they signed up. With its password this
      // is a sign-in, throttled like the form's; without, the form says the email is taken.
      await signInThrottled(email, password).catch((signInError: unknown) => {
        throw signInError instanceof AppError && signInError.code === "unauthorized" ? error : signInError;
      });
      redirect("/");
    }
    await signIn("credentials", { email, password, redirect: false });
    redirect("/");
  },
);

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/login" });
}
