import "server-only";
import { headers } from "next/headers";

/**
 * The visitor's address as `next start` reports it. Next sets x-forwarded-for from the socket when
 * no proxy did; behind a reverse proxy it is the proxy's header. Only used to key the sign-in brake,
 * which also has a per-email ceiling, so a forged header gains an attacker nothing.
 */
export async function clientIp(): Promise<string> {
  const h = await headers();
  const forwarded = h.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || h.get("x-real-ip") || "unknown";
}
