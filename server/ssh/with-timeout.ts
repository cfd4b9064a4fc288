/**
 * Bounds a database call on the SSH path. The pg pool already fails after 5 s when it cannot
 * connect, but a query to a hung server waits much longer; an SSH client should hear "try again"
 * in seconds, not hang.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
