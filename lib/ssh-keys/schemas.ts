import { z } from "zod";

export const KEY_LABEL_MAX_LENGTH = 100;
/** Far above any real public key line (an 16384-bit RSA key is about 2,800 characters). */
export const PUBLIC_KEY_MAX_LENGTH = 16_384;

// The length is said, not just the limit: a pasted label may be far longer than it looks.
export const keyLabelSchema = z
  .string()
  .trim()
  .max(KEY_LABEL_MAX_LENGTH, {
    error: (issue) =>
      `Use at most ${KEY_LABEL_MAX_LENGTH} characters (this label has ${String(issue.input).length})`,
  })
  // A newline or an escape sequence in a label breaks `burrow key list`'s table and could drive the
  // terminal of the admin who runs it.
  .refine((label) => !/\p{Cc}/u.test(label), "Use one line of text without control characters");

/** The form/server input for adding a key. */
export const addKeySchema = z.object({
  label: keyLabelSchema.optional().default(""),
  publicKey: z.string().max(PUBLIC_KEY_MAX_LENGTH, "That is too long for a public key"),
});
export type AddKeyInput = z.infer<typeof addKeySchema>;

/** What is wrong with a label as typed (the form says it at once, the server again); null if nothing. */
export function keyLabelProblem(label: string): string | null {
  const result = keyLabelSchema.safeParse(label);
  return result.success ? null : (result.error.issues[0]?.message ?? null);
}
