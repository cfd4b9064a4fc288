import "server-only";
import { notFound } from "next/navigation";
import { isAppError } from "../errors.ts";
import { nameProblem, normaliseName } from "../names/rules.ts";
import { getNameForUser, type NameDetail } from "../names/service.ts";
import { getDb } from "./db.ts";

/**
 * One of the user's names for a page, or the 404 page: a name that exists but belongs to someone
 * else looks exactly like one that does not exist.
 */
export async function getOwnNameOr404(userId: string, name: string): Promise<NameDetail> {
  try {
    return await getNameForUser(getDb(), userId, name);
  } catch (error) {
    if (isAppError(error) && (error.code === "not_found" || error.code === "invalid_input")) notFound();
    throw error;
  }
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
