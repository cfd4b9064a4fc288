import "server-only";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { signInSchema } from "../users/schemas.ts";
import { verifyCredentials } from "../users/service.ts";
import { endWebSession, startWebSession } from "../users/web-sessions.ts";
import { authConfig } from "./auth-config.ts";
import { getDb } from "./db.ts";

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      // Throttling and field errors happen in the sign-in server action before this runs; here we
      // only answer "these credentials belong to an enabled user" or null.
      async authorize(raw) {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        const user = await verifyCredentials(getDb(), parsed.data.email, parsed.data.password);
        if (!user || user.disabledAt) return null;
        return { id: user.id, email: user.email, role: user.role };
      },
    }),
  ],
  callbacks: {
    ...authConfig.callbacks,
    // Sign-in (the only call with `user`) records the browser's web session; later calls, here and
    // in the proxy, pass the token through unchanged.
    async jwt(params) {
      const token = authConfig.callbacks.jwt(params);
      if (params.user?.id) token.sid = await startWebSession(getDb(), params.user.id);
      return token;
    },
  },
  events: {
    // Ending the row is what signs the browser out; clearing the cookie alone is not enough.
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endWebSession(getDb(), sid);
    },
  },
});
