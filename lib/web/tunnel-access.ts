import "server-only";
import { notFound } from "next/navigation";
import { isAppError } from "../errors.ts";
import { normaliseName } from "../names/rules.ts";
import { getNameForUser, type NameDetail } from "../names/service.ts";
import { getDb } from "./db.ts";

/**
 * One of the user's names for a page, or the 404 page: a name that exists but belongs to someone
 * else looks exactly like one that does not exist.
 */
export async function getOwnNameOr404(userId: string, segment: string): Promise<NameDetail> {
  const name = nameFromSegment(segment);
  if (name === null) notFound();
  try {
    return await getNameForUser(getDb(), userId, name);
  } catch (error) {
    if (isAppError(error) && (error.code === "not_found" || error.code === "invalid_input")) notFound();
    throw error;
  }
}

/**
 * A tunnel page's `[name]` URL segment as names are stored (`MyApp` is `myapp`); null when its
 * %-escapes are malformed (`%E0%A4%A`), which decodeURIComponent throws on: such a page is not found.
 */
export function nameFromSegment(segment: string): string | null {
  try {
    return normaliseName(decodeURIComponent(segment));
  } catch {
    return null;
  }
}
