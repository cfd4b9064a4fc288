import { z } from "zod";

// Apart from schemas.ts, which reads addresses with node:net: the share link form checks this field
// as it is typed, in the browser, with the schema the server applies again.

/** The most uses a link may be given: a bigger number is a slip of the keyboard, not a limit. */
export const SHARE_LINK_MAX_USES = 1_000_000;

const OR_EMPTY = "(or leave empty for no limit)";

/** A share link's maximum number of uses as typed: a whole number from 1; empty for no limit. */
export const maxUsesSchema = z.preprocess(
  // A form sends an empty string for a field left blank.
  (value) => (value === "" ? undefined : value),
  z.coerce
    .number({ message: "Enter a whole number" })
    .int("Enter a whole number")
    .positive(`Use at least 1 ${OR_EMPTY}`)
    .max(SHARE_LINK_MAX_USES, `Use at most ${SHARE_LINK_MAX_USES.toLocaleString("en-US")} ${OR_EMPTY}`)
    .optional(),
);

/** What is wrong with a typed maximum of uses, or null when the server would take it. */
export function maxUsesProblem(typed: string): string | null {
  const result = maxUsesSchema.safeParse(typed);
  return result.success ? null : (result.error.issues[0]?.message ?? "Enter a whole number");
}
