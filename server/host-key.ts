import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import ssh2 from "ssh2";
import { generateEd25519KeyPair } from "../lib/ssh-keys/generate.ts";
import { fingerprintOf } from "../lib/ssh-keys/parse.ts";

export const HOST_KEY_FILE = "ssh_host_ed25519_key";

export interface HostKey {
  /** OpenSSH private key text, as ssh2's `hostKeys` option takes it. */
  privateKey: string;
  /** "SHA256:…", what `ssh` shows when it first meets the relay. */
  fingerprint: string;
}

/**
 * Loads the relay's ed25519 host key from `<dataDir>/ssh_host_ed25519_key`, creating it (mode 0600)
 * on first start. The key must survive restarts: a new one makes every client's known_hosts
 * entry scream "REMOTE HOST IDENTIFICATION HAS CHANGED".
 */
export async function loadOrCreateHostKey(dataDir: string): Promise<HostKey> {
  const path = join(dataDir, HOST_KEY_FILE);
  let privateKey: string;
  try {
    privateKey = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dataDir, { recursive: true });
    privateKey = generateEd25519KeyPair().private;
    // "wx": never overwrite a key another process wrote in the meantime.
    await writeFile(path, privateKey, { mode: 0o600, flag: "wx" }).catch(async (e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      privateKey = await readFile(path, "utf8");
    });
  }
  // Tighten a key copied in with loose permissions; OpenSSH's sshd would refuse to use it.
  await chmod(path, 0o600);
  return { privateKey, fingerprint: hostKeyFingerprint(privateKey) };
}

/** SHA256 fingerprint of the public half of an OpenSSH private key. */
export function hostKeyFingerprint(privateKey: string | Buffer): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`The SSH host key cannot be read: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new Error("The SSH host key file holds no key");
  return fingerprintOf(key.getPublicSSH());
}
