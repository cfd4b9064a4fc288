import "server-only";
import { notFound } from "next/navigation";
import { isAppError } from "../errors.ts";
import { getNameForUser, type NameDetail } from "../names/service.ts";
import { getDb } from "./db.ts";

/**
 * One of the user's names for a page, or the 404 page: a name that exists but belongs to someone
 * else looks exactly like one that does not exist.
 */
export async function getOwnNameOr404(userId: string, name: string): Promise<NameDetail> {
  try {
    return await getNameForUser(getDb(), userId, decodeURIComponent(name));
  } catch (error) {
    if (isAppError(error) && (error.code === "not_found" || error.code === "invalid_input")) notFound();
    throw error;
  }
}
