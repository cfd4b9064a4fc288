import { NextResponse } from "next/server";
import type { NextAuthConfig } from "next-auth";
import { loadEnv } from "../env.ts";
import { createLogger } from "../logger.ts";
import { WEB_SESSION_MAX_AGE_S } from "../users/web-sessions.ts";
import { createAuthLogger } from "./auth-logger.ts";

// No database and no "server-only" here on purpose: proxy.ts imports this file, and the proxy only
// needs to read the JWT. The Credentials provider (argon2 + Prisma) is added in auth.ts.

/** Pages a signed-out visitor may open. Everything else goes to /login first. */
const PUBLIC_PATHS = ["/login", "/signup", "/burrow-connect"];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

export const authConfig = {
  // Self-hosted behind whatever host name the operator picked: trust the Host header.
  trustHost: true,
  secret: loadEnv().AUTH_SECRET,
  // The cookie is a JWT, but it is honoured only while its web_sessions row exists (lib/web/session.ts):
  // Auth.js re-sends the cookie on every authenticated response, so one still in flight when the user
  // signs out would otherwise sign them back in.
  session: { strategy: "jwt", maxAge: WEB_SESSION_MAX_AGE_S },
  pages: { signIn: "/login" },
  // Wrong passwords and unreadable cookies are expected: one line each, not Auth.js's stack traces.
  logger: createAuthLogger(createLogger()),
  providers: [],
  callbacks: {
    authorized({ auth, request }) {
      if (isPublicPath(request.nextUrl.pathname)) return true;
      if (auth?.user?.id) return true;
      // Scripts and live views polling an API get a status they can act on, not a login page.
      if (request.nextUrl.pathname.startsWith("/api/")) {
        return NextResponse.json(
          { error: { code: "unauthorized", message: "Sign in first" } },
          { status: 401 },
        );
      }
      // To sign in, then back here. The way back is this page's path: next-auth's own redirect
      // would put its full URL there, which names the address Next listens on
      // (`http://[::]:3000/…`), not the one in the browser's address bar.
      const signIn = request.nextUrl.clone();
      signIn.pathname = "/login";
      signIn.search = "";
      signIn.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
      return NextResponse.redirect(signIn);
    },
    // Only sign-in passes `user` (from the Credentials provider in auth.ts, which started the web
    // session); every later call passes the token through unchanged.
    jwt({ token, user }) {
      if (user?.id) {
        token.uid = user.id;
        token.role = user.role;
        token.sid = user.sessionId;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      if (typeof token.sid === "string") session.sessionId = token.sid;
      if (token.role === "ADMIN" || token.role === "USER") session.user.role = token.role;
      return session;
    },
  },
} satisfies NextAuthConfig;
