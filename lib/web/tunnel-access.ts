import "server-only";
import { notFound } from "next/navigation";
import { cache } from "react";
import { isAppError } from "../errors.ts";
import { nameProblem, normaliseName } from "../names/rules.ts";
import { getNameForUser, type NameDetail } from "../names/service.ts";
import { getDb } from "./db.ts";

/**
 * One of the user's names for a page, or the 404 page: a name that exists but belongs to someone
 * else looks exactly like one that does not exist. Once per request: the page's title asks too.
 */
export const getOwnNameOr404 = cache(async (userId: string, name: string): Promise<NameDetail> => {
  try {
    return await getNameForUser(getDb(), userId, name);
  } catch (error) {
    if (isAppError(error) && (error.code === "not_found" || error.code === "invalid_input")) notFound();
    throw error;
  }
});

/**
 * The name a tunnel page's title says: as stored, or null when the segment cannot be a name (the
 * title says "Not found"). A name the user does not have gives the 404 page, titled "Not found" too:
 * a screen reader says the title first, so a 404 must not be titled as if it were the tunnel.
 */
export async function tunnelNameForTitle(
  segment: string,
  userId: string | undefined,
): Promise<string | null> {
  const name = nameFromSegment(segment);
  // Signed out: the page sends the browser to sign in; no lookup for a title nobody sees.
  if (name !== null && userId !== undefined) await getOwnNameOr404(userId, segment);
  return name;
}

/**
 * A tunnel page's `[name]` segment as its title names it: as names are stored (`MyApp` is `myapp`),
 * or null when it cannot be a name (`%`). Next.js has already decoded the segment; one it cannot
 * decode (`%E0%A4%A`) never gets here (proxy.ts answers 400).
 */
export function nameFromSegment(segment: string): string | null {
  const name = normaliseName(segment);
  return nameProblem(name) ? null : name;
}
