// Pure, so the browser's code can check ids too.

/** A request log row's id as text (URLs, forms, spools, JSON): the BIGSERIAL in decimal, 19 digits at most. */
export const REQUEST_ID = /^\d{1,19}$/;

/** Requests the live log may ask about again at once (its open WebSockets and event streams). */
export const MAX_REFRESHED = 100;

/**
 * The later of two request ids (null or missing: the other; both: "0"): where a live tail goes on
 * from, given the newest row it shows and how far a query looked (RequestLogPage.tailFrom).
 */
export function laterRequestId(a: string | null | undefined, b: string | null | undefined): string {
  const x = BigInt(a ?? 0);
  const y = BigInt(b ?? 0);
  return String(y > x ? y : x);
}
