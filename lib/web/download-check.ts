import { z } from "zod";

/**
 * `check=1` on a download's address: answer 204 when the download would start, or the error it
 * would get, and send nothing. The dashboard's download links ask first (useCheckedDownload): a
 * browser shows a refused download only as failed, without the reason.
 */
export const downloadCheckField = z
  .enum(["0", "1"], { message: "Use check=1 to check, or leave it out" })
  .optional()
  .transform((v) => v === "1");

/** The answer to a check that passed. */
export function downloadWouldStart(): Response {
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}
