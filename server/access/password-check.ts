import { createHmac } from "node:crypto";

/** Right passwords remembered per name (a few scripts or webhooks, not every visitor). */
const PER_NAME = 16;
/** Names remembered; the oldest goes first. */
const MAX_NAMES = 1_000;

interface Remembered {
  hash: string;
  keys: Set<string>;
}

/**
 * Verifies tunnel passwords, remembering recent right ones so a webhook that sends
 * `Authorization: Basic …` on every request pays argon2's ~25 ms once, not per request. What is
 * remembered is an HMAC of the password under the relay's secret (not the password), tied to the
 * stored hash: a new password (new hash) forgets everything at once.
 */
export class PasswordCheck {
  readonly #secret: string;
  readonly #verify: (hash: string, password: string) => Promise<boolean>;
  readonly #byName = new Map<string, Remembered>();

  constructor(secret: string, verify: (hash: string, password: string) => Promise<boolean>) {
    this.#secret = secret;
    this.#verify = verify;
  }

  /** True when `password` is the name's password (`hash` is the stored argon2 hash). */
  async matches(name: string, hash: string, password: string): Promise<boolean> {
    const key = createHmac("sha256", this.#secret)
      .update(`burrow-basic.v1.${name}.${password}`)
      .digest("base64url");
    const remembered = this.#byName.get(name);
    if (remembered?.hash === hash && remembered.keys.has(key)) return true;
    if (!(await this.#verify(hash, password))) return false;
    this.#remember(name, hash, key);
    return true;
  }

  forget(name: string): void {
    this.#byName.delete(name);
  }

  #remember(name: string, hash: string, key: string): void {
    let remembered = this.#byName.get(name);
    if (!remembered || remembered.hash !== hash) {
      this.#byName.delete(name);
      if (this.#byName.size >= MAX_NAMES) {
        const oldest = this.#byName.keys().next().value;
        if (oldest !== undefined) this.#byName.delete(oldest);
      }
      remembered = { hash, keys: new Set() };
      this.#byName.set(name, remembered);
    }
    if (remembered.keys.size >= PER_NAME) remembered.keys.clear();
    remembered.keys.add(key);
  }
}
