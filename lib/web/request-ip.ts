import "server-only";
import { headers } from "next/headers";
import { type ProxyTrust, proxyTrust } from "../forwarding/trusted-proxies.ts";
import { getEnv } from "./env.ts";
import { addressFromForwarded } from "./forwarded-address.ts";

let trusted: ProxyTrust | undefined;

/** addressFromForwarded with this process's BURROW_TRUSTED_PROXIES. */
export function browserAddress(h: Pick<Headers, "get">): string {
  trusted ??= proxyTrust(getEnv().BURROW_TRUSTED_PROXIES);
  return addressFromForwarded(h, trusted);
}

/** The browser's address for the request being handled (server actions, pages). */
export async function clientIp(): Promise<string> {
  return browserAddress(await headers());
}
