import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { AppError } from "../errors.ts";
import { signInSchema } from "../users/schemas.ts";
import { passwordVersion, verifyCredentials } from "../users/service.ts";
import { endWebSession, startWebSession } from "../users/web-sessions.ts";
import { authConfig } from "./auth-config.ts";
import { getDb } from "./db.ts";
import { browserAddress } from "./request-ip.ts";
import { signInThrottle } from "./sign-in-limits.ts";

/**
 * The email and password were right but the account is disabled: Auth.js passes a CredentialsSignin
 * with its own code through to the sign-in action, which says so instead of "Wrong email or
 * password" (it reveals nothing to a guesser: only a right password gets here).
 */
export class AccountDisabledSignin extends CredentialsSignin {
  override code = "account_disabled";
}

/** Whether signIn failed because the account is disabled (AccountDisabledSignin). */
export function isAccountDisabled(error: unknown): boolean {
  return error instanceof CredentialsSignin && error.code === "account_disabled";
}

/** Too many wrong passwords for this email (sign-in-limits.ts): nothing was checked. */
export class ThrottledSignin extends CredentialsSignin {
  override code = "rate_limited";
}

/** Whether signIn was refused by the throttle (ThrottledSignin). */
export function isThrottledSignin(error: unknown): boolean {
  return error instanceof CredentialsSignin && error.code === "rate_limited";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      // The throttle is kept here, where every sign-in ends up, not in the form's action alone:
      // Auth.js also serves this provider at POST /api/auth/callback/credentials, which a script
      // can call directly, and a throttle only in the form would leave that way unlimited.
      // A right password starts the browser's web session here, where the request (its
      // User-Agent and address, for the account page) is at hand; the jwt callback puts its id
      // into the cookie.
      async authorize(raw, request) {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { email, password } = parsed.data;
        const ip = browserAddress(request.headers);
        // Keyed by the password's version too, so a new password set by an admin or the CLI
        // lifts the lock.
        const version = await passwordVersion(getDb(), email);
        if (signInThrottle.retryAfter(email, ip, version) > 0) throw new ThrottledSignin();
        const user = await verifyCredentials(getDb(), email, password).catch((error: unknown) => {
          if (error instanceof AppError && error.code === "forbidden") throw new AccountDisabledSignin();
          throw error;
        });
        if (!user) {
          signInThrottle.fail(email, ip, version);
          return null;
        }
        if (user.disabledAt) return null;
        signInThrottle.succeed(email, ip, version);
        const sessionId = await startWebSession(getDb(), user.id, {
          userAgent: request.headers.get("user-agent"),
          ip,
        });
        return { id: user.id, email: user.email, role: user.role, sessionId };
      },
    }),
  ],
  events: {
    // Ending the row is what signs the browser out; clearing the cookie alone is not enough.
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endWebSession(getDb(), sid);
    },
  },
});
