import { NextResponse } from "next/server";
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

// A first, cheap gate: signed-out visitors are sent to /login (authConfig.callbacks.authorized). It
// is not the security boundary: every page, route handler and server action checks the session and
// ownership again itself.
export default auth((request) => {
  // Next.js answers a malformed %-escape in a page's address (/tunnels/%E0%A4%A) with a bare 500
  // and nothing in its log; it is the address that is wrong.
  if (!decodablePath(request.nextUrl.pathname)) {
    const message = "This address has a malformed %-escape";
    if (request.nextUrl.pathname.startsWith("/api/")) {
      return NextResponse.json({ error: { code: "invalid_input", message } }, { status: 400 });
    }
    return new NextResponse(`Bad request: ${message}.\n`, {
      status: 400,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  if (!hsts) return undefined;
  const response = NextResponse.next();
  response.headers.set("Strict-Transport-Security", hsts);
  return response;
});

export const config = {
  matcher: ["/((?!api/auth|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
