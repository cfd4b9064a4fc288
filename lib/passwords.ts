import { availableParallelism } from "node:os";
import argon2 from "argon2";
import { KeyedSlots } from "./throttle/keyed-slots.ts";

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 20-30 ms here, cheap
 * enough that sign-ins and tunnel-password checks on a small VM stay fast, costly enough that an
 * offline attack on a leaked table is slow. The parameters are stored in every hash, so they can be
 * raised later without invalidating existing ones.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * How many hashes run at once in this process: half the cores, at most 2. argon2 runs on libuv's
 * thread pool (4 threads), which also does the dashboard's session-cookie decryption (WebCrypto),
 * file reads and DNS lookups, and takes jobs in order: a burst of 150 sign-ins queued 150 hashes
 * there, and every signed-in user's next page or live-view poll waited behind them (p50 0.4 s to
 * 11 s). The hashes wait their turn here instead, and the pool keeps threads free for the rest.
 */
export const HASHES_AT_ONCE = Math.min(2, Math.max(1, Math.floor(availableParallelism() / 2)));

const hashing = new KeyedSlots({
  perKey: HASHES_AT_ONCE,
  maxWaiting: Number.POSITIVE_INFINITY,
  busyMessage: () => "",
});

/** Runs one argon2 operation when a slot is free. */
async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const release = await hashing.acquire("argon2");
  try {
    return await work();
  } finally {
    release();
  }
}

/** Hashes a password (account or tunnel) as an encoded argon2id string. */
export function hashPassword(password: string): Promise<string> {
  return inTurn(() => argon2.hash(password, OPTIONS));
}

/**
 * True when `password` matches `hash`. A malformed hash counts as a mismatch rather than an error:
 * the caller's answer ("wrong password") is the same either way.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await inTurn(() => argon2.verify(hash, password));
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
