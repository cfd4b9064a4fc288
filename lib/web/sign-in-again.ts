import { safeRedirectPath } from "./safe-redirect.ts";

/**
 * The sign-in page, set to come back to `path` (a path on this site; anything else comes back to
 * the overview). `why` makes the page say why the user is there (a redirect from an action, where
 * they did not click a "Sign in again" link themselves): the session ended, or the account was
 * disabled.
 */
export function signInAgainHref(path: string, why?: "ended" | "disabled"): string {
  const query = new URLSearchParams({ callbackUrl: safeRedirectPath(path) });
  if (why) query.set("ended", why === "disabled" ? "disabled" : "1");
  return `/login?${query}`;
}

/** The path and query of a Referer URL of this site, for coming back to it (the overview if none). */
export function pathOfReferer(referer: string | null): string {
  if (!referer) return "/";
  try {
    const url = new URL(referer);
    return safeRedirectPath(`${url.pathname}${url.search}`);
  } catch {
    return "/";
  }
}
