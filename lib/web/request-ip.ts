import "server-only";
import { headers } from "next/headers";

/**
 * The visitor's address as `next start` reports it. Next sets x-forwarded-for from the socket when
 * no proxy did; behind a reverse proxy it is the proxy's header. Used to key the sign-in brake
 * (which also has a per-email ceiling, so a forged header gains an attacker nothing) and shown,
 * as reported, next to a signed-in browser on the account page.
 */
export function ipFromHeaders(h: Headers): string {
  const forwarded = h.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || h.get("x-real-ip") || "unknown";
}

/** ipFromHeaders for the request being handled (server actions, pages). */
export async function clientIp(): Promise<string> {
  return ipFromHeaders(await headers());
}
