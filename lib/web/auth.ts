import "server-only";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { signInSchema } from "../users/schemas.ts";
import { verifyCredentials } from "../users/service.ts";
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
});
