import { z } from "zod";

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** An email address, trimmed and lower-cased so "Ann@Example.com " and "ann@example.com" are one account. */
export const emailSchema = z
  .string({ message: "Enter your email address" })
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address")
  .max(254, "That email address is too long")
  .pipe(z.email({ message: "Enter a valid email address, e.g. you@example.com" }));

export const ONLY_SPACES_MESSAGE = "A password cannot be only spaces";

/**
 * True for a password of spaces alone (any kind of blank): long enough by count, yet the first thing
 * anyone would guess, and easily typed by a held-down space bar. Spaces beside other characters are
 * part of the password and kept as typed: trimming would change a password its owner chose.
 */
export function isOnlySpaces(password: string): boolean {
  return password.length > 0 && password.trim() === "";
}

/**
 * An account password. No composition rules (NIST 800-63B): length is what matters, but blanks
 * alone are refused (isOnlySpaces). The upper bound keeps hashing cost bounded; it is far above
 * what a password manager generates.
 */
export const passwordSchema = z
  .string({ message: "Enter a password" })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((password) => !isOnlySpaces(password), ONLY_SPACES_MESSAGE);

/** The sign-up form and `burrow user add`. */
export const signUpSchema = z.object({ email: emailSchema, password: passwordSchema });
export type SignUpInput = z.input<typeof signUpSchema>;

/**
 * The sign-in form. The password is only checked for presence: applying the length rules here would
 * tell an attacker which guesses cannot be right, and would lock out accounts made under older rules.
 */
export const signInSchema = z.object({
  email: emailSchema,
  password: z
    .string({ message: "Enter your password" })
    .min(1, "Enter your password")
    .max(PASSWORD_MAX_LENGTH),
});
export type SignInInput = z.input<typeof signInSchema>;

/**
 * The dashboard's change-password form. Like sign-in, the current password is only checked for
 * presence; the new one follows the account password rules.
 */
const currentPasswordSchema = z
  .string({ message: "Enter your current password" })
  .min(1, "Enter your current password")
  .max(PASSWORD_MAX_LENGTH);

// The same password again would change nothing yet sign the other browsers out: refused first.
export const changePasswordSchema = z
  .object({ currentPassword: currentPasswordSchema, newPassword: passwordSchema })
  .refine((input) => input.newPassword !== input.currentPassword, {
    path: ["newPassword"],
    message: "That is your current password: choose a new one",
  });
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;

/** Deleting one's own account: the password again, so an unattended browser cannot. */
export const deleteAccountSchema = z.object({ currentPassword: currentPasswordSchema });
export type DeleteAccountInput = z.input<typeof deleteAccountSchema>;

/** Role changes from the admin page and the CLI. */
export const roleSchema = z.enum(["USER", "ADMIN"], { message: "Choose a role" });
