import { type NextRequest, NextResponse } from "next/server";
import NextAuth from "next-auth";
import { loadEnv } from "./lib/env.ts";
import { authConfig } from "./lib/web/auth-config.ts";
import { transportSecurity } from "./lib/web/security-headers.ts";

const { auth } = NextAuth(authConfig);
/** Known at start, from the dashboard's address; the other security headers are in next.config.ts. */
const hsts = transportSecurity(loadEnv().BURROW_DASHBOARD_URL);

/** True when every %-escape in the path decodes (`%E0%A4%A` does not). */
function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

const MALFORMED = "This address has a malformed %-escape";

// A first, cheap gate for pages: signed-out visitors are sent to /login
// (authConfig.callbacks.authorized). It is not the security boundary: every page, route handler and
// server action checks the session and ownership again itself.
const pages = auth((request) => {
  // Next.js answers a malformed %-escape in a page's address (/tunnels/%E0%A4%A) with a bare 500
  // and nothing in its log; it is the address that is wrong.
  if (!decodablePath(request.nextUrl.pathname)) {
    return new NextResponse(`Bad request: ${MALFORMED}.\n`, {
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  if (!hsts) return undefined;
  const response = NextResponse.next();
  response.headers.set("Strict-Transport-Security", hsts);
  return response;
});

// What Next passes second (its fetch event) Auth.js only hands on, typed as a route's context.
export default function proxy(request: NextRequest, context: Parameters<typeof pages>[1]) {
  if (!request.nextUrl.pathname.startsWith("/api/")) return pages(request, context);
  if (!decodablePath(request.nextUrl.pathname)) {
    return NextResponse.json({ error: { code: "invalid_input", message: MALFORMED } }, { status: 400 });
  }
  // The API's routes read the session themselves (apiHandler, 401 when signed out), and they are
  // most of the dashboard's requests (a tunnel page's status, log and chart poll them). Read here
  // too, Auth.js decrypted the cookie twice and encrypted a fresh one per answer: the status route
  // answered 145-170 requests/s with it, 220-230 without (wrk -c8, 2 cores).
  return NextResponse.next();
}

export const config = {
  matcher: ["/((?!api/auth|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
