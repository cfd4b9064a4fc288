import type { DefaultSession } from "next-auth";

// The session carries the user id and the role they had at sign-in. Pages never trust the role
// from the token alone: lib/web/session.ts re-reads the user on every request that matters.
declare module "next-auth" {
  interface Session {
    user: { id: string; role: "USER" | "ADMIN" } & DefaultSession["user"];
  }
  interface User {
    role?: "USER" | "ADMIN";
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: "USER" | "ADMIN";
  }
}
