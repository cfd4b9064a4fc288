import type { DefaultSession } from "next-auth";

// The session carries the user id, the role they had at sign-in and the id of its web_sessions row.
// Pages trust none of them alone: lib/web/session.ts re-reads the row and the user on every request
// that matters.
declare module "next-auth" {
  interface Session {
    user: { id: string; role: "USER" | "ADMIN" } & DefaultSession["user"];
    sessionId?: string;
  }
  interface User {
    role?: "USER" | "ADMIN";
    /** Set by authorize(): the web_sessions row started by this sign-in. */
    sessionId?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: "USER" | "ADMIN";
    sid?: string;
  }
}
