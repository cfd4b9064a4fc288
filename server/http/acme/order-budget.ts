import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writePrivateFile } from "./certificate-files.ts";

/** Let's Encrypt's window for certificates per registered domain. */
export const BUDGET_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** The file, in the certificates directory, that remembers when new certificates were ordered. */
export const BUDGET_FILE = "new-orders.json";

const budgetFileSchema = z.object({ orderedAt: z.array(z.number().int().nonnegative()) });

/** Who asks for a new certificate: a reserved name (or the bare domain), or a random name. */
export type BudgetClaimant = "reserved" | "random";

/**
 * How many new certificates (a renewal is not one) the relay may order per 7 days, so that it
 * stays under the CA's limit (Let's Encrypt: 50 per registered domain per week, renewals aside)
 * and random names, which anyone can open by the dozen, never use up what reserved names need:
 * random names may use half of it. `limit` 0 means no limit (a private CA). The times are kept
 * in a file so a restart does not forget them; one that cannot be read counts as none (logged by
 * the caller), since refusing every name for a week would be worse than an extra order.
 */
export class OrderBudget {
  #orderedAt: number[] = [];

  constructor(
    private readonly file: string,
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Reads the times kept by an earlier run; a missing file is an empty budget. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const parsed = budgetFileSchema.safeParse(safeJson(text));
    if (!parsed.success) throw new Error(`${this.file} is not a list of order times`);
    this.#orderedAt = parsed.data.orderedAt;
  }

  /** New certificates ordered in the last 7 days. */
  used(): number {
    const since = this.now() - BUDGET_WINDOW_MS;
    this.#orderedAt = this.#orderedAt.filter((time) => time > since);
    return this.#orderedAt.length;
  }

  /** What a claimant may order now: null when it may, else how many it may order in all. */
  refusal(claimant: BudgetClaimant): number | null {
    if (this.limit === 0) return null;
    const cap = claimant === "random" ? Math.floor(this.limit / 2) : this.limit;
    return this.used() < cap ? null : cap;
  }

  /**
   * Counts a new certificate from now on, before its order is placed, so that orders running at
   * once cannot pass the limit together. Returns what undoes it, for an order that failed: the CA
   * counts certificates issued, not orders.
   */
  async record(): Promise<() => Promise<void>> {
    this.used();
    const time = this.now();
    this.#orderedAt.push(time);
    // Counted before the file is written: a failed write (the caller logs it) forgets it on restart.
    await this.#save();
    return async () => {
      const index = this.#orderedAt.indexOf(time);
      if (index >= 0) this.#orderedAt.splice(index, 1);
      await this.#save();
    };
  }

  #save(): Promise<void> {
    return writePrivateFile(this.file, JSON.stringify({ orderedAt: this.#orderedAt }));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
