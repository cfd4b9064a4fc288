import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { AppError } from "../errors.ts";
import { signInSchema } from "../users/schemas.ts";
import { verifyCredentials } from "../users/service.ts";
import { endWebSession, startWebSession } from "../users/web-sessions.ts";
import { authConfig } from "./auth-config.ts";
import { getDb } from "./db.ts";
import { browserAddress } from "./request-ip.ts";

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

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      // Throttling and field errors happen in the sign-in server action before this runs; here we
      // only answer "these credentials belong to an enabled user" or null.
      // A right password starts the browser's web session here, where the request (its
      // User-Agent and address, for the account page) is at hand; the jwt callback puts its id
      // into the cookie.
      async authorize(raw, request) {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        const user = await verifyCredentials(getDb(), parsed.data.email, parsed.data.password).catch(
          (error: unknown) => {
            if (error instanceof AppError && error.code === "forbidden") throw new AccountDisabledSignin();
            throw error;
          },
        );
        if (!user || user.disabledAt) return null;
        const sessionId = await startWebSession(getDb(), user.id, {
          userAgent: request.headers.get("user-agent"),
          ip: browserAddress(request.headers),
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
