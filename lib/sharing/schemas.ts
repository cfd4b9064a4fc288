import { z } from "zod";

export const TUNNEL_PASSWORD_MIN = 8;

/** Access settings of one name, from the tunnel page. */
export const accessSettingsSchema = z
  .object({
    mode: z.enum(["PUBLIC", "PASSWORD", "LINKS"], { message: "Choose who may open this tunnel" }),
    /** Empty keeps the current password (when one is set). */
    password: z
      .string()
      .max(200, "Use at most 200 characters")
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || v.length >= TUNNEL_PASSWORD_MIN, {
        message: `Use at least ${TUNNEL_PASSWORD_MIN} characters`,
      }),
  })
  .strict();
export type AccessSettingsInput = z.input<typeof accessSettingsSchema>;

/** Which Host header a name's app receives: the visitor's, or "localhost" for strict dev servers. */
export const appHostSchema = z
  .object({
    host: z.enum(["VISITOR", "LOCALHOST"], { message: "Choose the Host header your app receives" }),
  })
  .strict();
export type AppHost = z.output<typeof appHostSchema>["host"];

/** A form sends an empty string for a field left blank: that means "not given". */
const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

export const SHARE_EXPIRY_CHOICES = ["1h", "1d", "7d", "date", "never"] as const;

/** A new share link. `expiresAt` is required when `expiry` is "date". */
export const createShareLinkSchema = z
  .object({
    label: z
      .string()
      .trim()
      .min(1, "Give the link a label, e.g. who it is for")
      .max(100, "Use at most 100 characters"),
    expiry: z.enum(SHARE_EXPIRY_CHOICES, { message: "Choose when the link expires" }),
    expiresAt: z.preprocess(emptyAsUndefined, z.coerce.date({ message: "Pick a valid date" }).optional()),
    maxUses: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ message: "Enter a whole number" })
        .int("Enter a whole number")
        .positive("Use at least 1")
        .max(1_000_000, "That is too many")
        .optional(),
    ),
  })
  .superRefine((input, ctx) => {
    if (input.expiry === "date" && !input.expiresAt) {
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "Pick the expiry date" });
    }
  });
export type CreateShareLinkInput = z.input<typeof createShareLinkSchema>;

const HOUR = 3_600_000;

/** When a link made now with this choice expires; null for never. */
export function expiryDate(
  input: { expiry: (typeof SHARE_EXPIRY_CHOICES)[number]; expiresAt?: Date },
  now: Date,
): Date | null {
  switch (input.expiry) {
    case "1h":
      return new Date(now.getTime() + HOUR);
    case "1d":
      return new Date(now.getTime() + 24 * HOUR);
    case "7d":
      return new Date(now.getTime() + 7 * 24 * HOUR);
    case "date":
      return input.expiresAt ?? null;
    case "never":
      return null;
  }
}
