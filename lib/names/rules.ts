import { randomInt } from "node:crypto";
import { z } from "zod";

export const NAME_MIN_LENGTH = 3;
export const NAME_MAX_LENGTH = 63;
export const RANDOM_NAME_LENGTH = 14;

/** Names nobody may reserve: they look official, or the relay and dashboard may want them. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "www",
  "api",
  "admin",
  "administrator",
  "dashboard",
  "relay",
  "ssh",
  "mail",
  "smtp",
  "imap",
  "pop",
  "ftp",
  "app",
  "apps",
  "auth",
  "login",
  "signin",
  "signup",
  "account",
  "accounts",
  "root",
  "status",
  "help",
  "support",
  "docs",
  "static",
  "assets",
  "cdn",
  "ns1",
  "ns2",
  "dns",
  "mx",
  "burrow",
  "tunnel",
  "tunnels",
  "localhost",
  "security",
  "billing",
  "abuse",
  "postmaster",
  "hostmaster",
  "webmaster",
]);

/**
 * The one schema for a tunnel name (a DNS label), used by the names form, the server action, the CLI
 * and the relay. Input is trimmed and lower-cased first, so "MyApp" reserves "myapp".
 */
export const nameSchema = z
  .string({ message: "Enter a name" })
  .trim()
  .toLowerCase()
  .min(NAME_MIN_LENGTH, `Use at least ${NAME_MIN_LENGTH} characters`)
  .max(NAME_MAX_LENGTH, `Use at most ${NAME_MAX_LENGTH} characters`)
  .regex(/^[a-z0-9-]+$/, "Use only letters a–z, digits and hyphens")
  .refine((n) => !n.startsWith("-") && !n.endsWith("-"), "A name cannot start or end with a hyphen")
  .refine(
    (n) => !/^xn--/.test(n) && n.slice(2, 4) !== "--",
    "Two hyphens in the 3rd and 4th place are reserved for DNS",
  )
  .refine((n) => !RESERVED_WORDS.has(n), "This name is reserved by Burrow");

export type Name = z.infer<typeof nameSchema>;

/**
 * A name as typed (CLI arguments, URL segments) in the form names are stored in, lower-case: for
 * looking one up, where nameSchema's checks would only turn "not found" into a validation error.
 */
export function normaliseName(input: string): string {
  return input.trim().toLowerCase();
}

/**
 * A name as stored: reserved under today's rules or older ones, or handed out at random. What an
 * admin may act on (disconnect, release) even when today's nameSchema would refuse it.
 */
export const STORED_NAME = /^[a-z0-9-]{1,63}$/;

/** Returns the first problem with a name, or null when it is valid. */
export function nameProblem(input: string): string | null {
  const result = nameSchema.safeParse(input);
  return result.success ? null : (result.error.issues[0]?.message ?? "Invalid name");
}

/**
 * What is wrong with a typed name, as one sentence naming it (`"admin" is not a valid name: this
 * name is reserved by Burrow`), or null when it is valid. For the ssh refusal and the CLI, where the
 * problem follows a colon; the dashboard's form shows the problem alone.
 */
export function invalidNameMessage(input: string): string | null {
  const problem = nameProblem(input);
  if (problem === null) return null;
  // A name far too long is quoted only in part: the message must fit a terminal line or a form.
  const quoted =
    input.length > NAME_MAX_LENGTH + 1
      ? `${JSON.stringify(input.slice(0, NAME_MAX_LENGTH + 1))}…`
      : JSON.stringify(input);
  return `${quoted} is not a valid name: ${problem[0]!.toLowerCase()}${problem.slice(1)}`;
}

const RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * An unguessable name for `ssh -R 80:…` without a name: 14 characters of a 36-letter alphabet
 * (72 bits), starting with a letter so it never looks like a number.
 */
export function randomName(): string {
  let name = RANDOM_ALPHABET[randomInt(26)]!;
  while (name.length < RANDOM_NAME_LENGTH) name += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return name;
}
