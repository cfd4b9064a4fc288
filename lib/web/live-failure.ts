import { DATABASE_UNAVAILABLE_MESSAGE } from "../db/unavailable.ts";
import { apiErrorMessage } from "./api-error-message.ts";

/**
 * Why a live view's last look failed. Said to the user because what they can do differs: a
 * dashboard that cannot be reached may be stopped or their network down; a database that cannot
 * be reached is the server's trouble, and the dashboard itself answered.
 */
export type LiveFailure = "unreachable" | "database" | "error";

/** What a live view says after "Not updating: " while its looks fail (it keeps retrying by itself). */
export const LIVE_FAILURE_REASON: Record<LiveFailure, string> = {
  unreachable: "cannot reach the dashboard",
  database: "Burrow cannot reach its database",
  error: "the dashboard answered with an error",
};

/** A live view's look that got an answer other than 2xx, with why (liveFailureOf). */
export class LiveFetchError extends Error {
  constructor(
    readonly failure: LiveFailure,
    status: number,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * Why an answer that is not ok failed: the dashboard's own 503 for its database (lib/web/api.ts),
 * told by its message, which the forms show too; any other of its `{ error }` answers is an error
 * it answered; a proxy's 502, 503 or 504 in front of a dashboard that is stopped or restarting is
 * not reaching the dashboard.
 */
export async function failureOfResponse(response: Response): Promise<LiveFailure> {
  const said = await apiErrorMessage(response);
  if (said !== null)
    return response.status === 503 && said === DATABASE_UNAVAILABLE_MESSAGE ? "database" : "error";
  return [502, 503, 504].includes(response.status) ? "unreachable" : "error";
}

/**
 * Why a live view's look threw: a LiveFetchError says; fetch itself throws a TypeError when no
 * answer came (refused, reset, offline); anything else (a body that is not the JSON expected) is an
 * error of what answered.
 */
export function liveFailureOf(error: unknown): LiveFailure {
  if (error instanceof LiveFetchError) return error.failure;
  return error instanceof TypeError ? "unreachable" : "error";
}
