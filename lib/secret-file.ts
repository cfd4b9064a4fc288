import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

/**
 * Reads a generated secret kept in the data dir (the embedded database's password, the auth and
 * access secrets), creating it (mode 0600) on first start.
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
