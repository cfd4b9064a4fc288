import { z } from "zod";
import { parseTrustedProxies, rangeNetwork } from "../forwarding/trusted-proxies.ts";
import { isOnlySpaces, ONLY_SPACES_MESSAGE } from "../users/schemas.ts";
import { maxUsesSchema } from "./max-uses.ts";

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
      })
      .refine((v) => v === undefined || !isOnlySpaces(v), { message: ONLY_SPACES_MESSAGE }),
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

/** Entries a name's allowed-address list may hold. */
export const ALLOWED_ADDRESSES_MAX = 50;

/**
 * The visitor addresses that may open a name: addresses (203.0.113.7, 2001:db8::7), ranges
 * (10.0.0.0/8, 2001:db8::/32) and the groups "private" and "loopback", separated by commas, spaces
 * or lines. Empty: anyone may. Stored in lower case without repeats, in the order given. A range
 * is written from its first address: one with host bits set (10.0.0.1/8) is refused, naming both
 * what it would match (10.0.0.0/8) and the one address, so the list saved is the list enforced.
 */
export const allowedAddressesSchema = z
  .object({
    addresses: z
      .string()
      .max(4000, "Use at most 4,000 characters")
      .transform((text, ctx) => {
        const written = [
          ...new Set(
            text
              .split(/[\s,]+/)
              .filter(Boolean)
              .map((e) => e.toLowerCase()),
          ),
        ];
        const { invalid } = parseTrustedProxies(written.join(","));
        const withHostBits = written.flatMap((entry) => {
          const network = rangeNetwork(entry);
          return network ? [[entry, network] as const] : [];
        });
        if (invalid.includes("localhost")) {
          // The name people reach for first: the list holds addresses, and the group is the way.
          ctx.addIssue({
            code: "custom",
            message:
              "Write loopback instead of localhost: the list takes addresses, and loopback covers 127.0.0.1 and ::1",
          });
        } else if (invalid.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `Not an address or range: ${invalid.slice(0, 3).join(", ")}${invalid.length > 3 ? ", …" : ""} (write e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32 or private)`,
          });
        } else if (withHostBits[0]) {
          // Refused rather than saved as its network: 10.0.0.1/8 may have meant the one address,
          // and an access list should not quietly let in a whole network its owner did not mean.
          const [entry, network] = withHostBits[0];
          const more = withHostBits.length > 1 ? ` (and ${withHostBits.length - 1} more like it)` : "";
          ctx.addIssue({
            code: "custom",
            message: `${entry} has host bits set: did you mean ${network}, or ${entry.split("/")[0]} alone for that one address?${more}`,
          });
        } else if (written.length > ALLOWED_ADDRESSES_MAX) {
          ctx.addIssue({
            code: "custom",
            message: `Use at most ${ALLOWED_ADDRESSES_MAX} addresses or ranges`,
          });
        }
        return written;
      }),
  })
  .strict();

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
    maxUses: maxUsesSchema,
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
