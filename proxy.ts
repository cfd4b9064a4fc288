import NextAuth from "next-auth";
import { authConfig } from "./lib/web/auth-config.ts";

const { auth } = NextAuth(authConfig);

// A first, cheap gate: signed-out visitors are sent to /login (authConfig.callbacks.authorized). It
// is not the security boundary: every page, route handler and server action checks the session and
// ownership again itself.
export default auth;

export const config = {
  matcher: ["/((?!api/auth|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
