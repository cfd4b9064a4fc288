// Pure, so the browser's code can check ids too.

/** A request log row's id as text (URLs, forms, spools, JSON): the BIGSERIAL in decimal, 19 digits at most. */
export const REQUEST_ID = /^\d{1,19}$/;

/** Requests the live log may ask about again at once (its open WebSockets and event streams). */
export const MAX_REFRESHED = 100;
