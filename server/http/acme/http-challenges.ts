/** The HTTP-01 path prefix (RFC 8555, 8.3): the token follows it. */
export const CHALLENGE_PATH = "/.well-known/acme-challenge/";

/**
 * HTTP-01 challenges waiting for the ACME server to fetch them: each token's key authorization,
 * for the host it was issued for only. Held in memory: an order lives seconds, and one cut short
 * by a restart is simply placed again.
 */
export class HttpChallenges {
  readonly #pending = new Map<string, string>();

  add(hostname: string, token: string, keyAuthorization: string): void {
    this.#pending.set(keyOf(hostname, token), keyAuthorization);
  }

  remove(hostname: string, token: string): void {
    this.#pending.delete(keyOf(hostname, token));
  }

  /** The key authorization for a pending token of this host, or undefined. */
  answer(hostname: string, token: string): string | undefined {
    return this.#pending.get(keyOf(hostname, token));
  }
}

// A newline cannot appear in a host name or a token: no two pairs share a key.
function keyOf(hostname: string, token: string): string {
  return `${hostname}\n${token}`;
}
