import argon2 from "argon2";

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 20-30 ms here, cheap
 * enough that sign-ins and tunnel-password checks on a small VM stay fast, costly enough that an
 * offline attack on a leaked table is slow. The parameters are stored in every hash, so they can be
 * raised later without invalidating existing ones.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes a password (account or tunnel) as an encoded argon2id string. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/**
 * True when `password` matches `hash`. A malformed hash counts as a mismatch rather than an error:
 * the caller's answer ("wrong password") is the same either way.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random string, computed once per process. Verifying against it when an account does
 * not exist makes "unknown email" take as long as "wrong password", so response times do not reveal
 * which emails have accounts.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`);
  return dummyHash;
}
