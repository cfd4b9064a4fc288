import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultMigrationsDir, migrate } from "../db/migrate.ts";

/**
 * Brings a database (created with `migrate: false`) to what an older Burrow left: only the
 * migrations `keep` picks by name, applied from a copy of them. For upgrade tests, which then run
 * today's migrations over it. Returns the names of those it applied.
 */
export async function migrateOnly(url: string, keep: (migration: string) => boolean): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "burrow-migrations-"));
  try {
    const kept = readdirSync(defaultMigrationsDir).filter(keep);
    for (const name of kept) cpSync(join(defaultMigrationsDir, name), join(dir, name), { recursive: true });
    await migrate(url, dir);
    return kept;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
