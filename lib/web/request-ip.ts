import "server-only";
import { headers } from "next/headers";
import { addressFromForwarded } from "./forwarded-address.ts";

/** addressFromForwarded for the request being handled (server actions, pages). */
export async function clientIp(): Promise<string> {
  return addressFromForwarded(await headers());
}
