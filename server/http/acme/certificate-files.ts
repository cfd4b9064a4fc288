import { randomBytes, X509Certificate } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where certificates obtained through ACME are kept, under the data dir (0700). */
export const CERTIFICATES_DIR = "certificates";
/** The ACME account's private key, in the data dir (0600). */
export const ACCOUNT_KEY_FILE = "acme-account.pem";
/** The file name part for the bare BURROW_DOMAIN: no tunnel name can start with "_". */
export const APEX_KEY = "_apex";

const KEY_BLOCK = /-----BEGIN ((?:EC |RSA )?PRIVATE KEY)-----[\s\S]+?-----END \1-----\s*/;

/** A certificate chain and its private key, as PEM. */
export interface CertificatePem {
  chain: string;
  key: string;
}

/**
 * Writes a secret file so that no reader ever sees half of it and no other user can read it:
 * created 0600 under a name of its own, then renamed over the old one (atomic on one filesystem).
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(aside, content, { mode: 0o600, flag: "wx" });
    await rename(aside, path);
  } catch (error) {
    await rm(aside, { force: true });
    throw error;
  }
}

/** Makes the certificates directory, and makes it 0700 if an earlier one was looser. */
export async function ensureCertificatesDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** The file for a validated tunnel name (or APEX_KEY): the name is never taken from a request as is. */
export function certificateFile(dir: string, key: string): string {
  return join(dir, `${key}.pem`);
}

/** Stores a chain and its key in one file, chain first (as certbot's combined files are). */
export function storeCertificate(dir: string, key: string, pem: CertificatePem): Promise<void> {
  return writePrivateFile(certificateFile(dir, key), `${pem.chain.trim()}\n${pem.key.trim()}\n`);
}

/** Splits a stored file into its chain and its key; null when it holds no key. */
export function splitStoredCertificate(text: string): CertificatePem | null {
  const key = KEY_BLOCK.exec(text);
  if (!key) return null;
  return { chain: text.replace(KEY_BLOCK, "").trim(), key: key[0].trim() };
}

/** Every stored certificate file, by the key its name gives (`myname.pem` -> "myname"). */
export async function readStoredCertificates(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return found;
    throw error;
  }
  for (const name of names) {
    if (!name.endsWith(".pem")) continue;
    found.set(name.slice(0, -".pem".length), await readFile(join(dir, name), "utf8"));
  }
  return found;
}

/**
 * The ACME account key: read from `path`, or made by `create` and stored there (0600) on first
 * use. Kept, because Let's Encrypt counts new accounts and the account is what its orders and
 * rate limits are tied to.
 */
export async function readOrCreateAccountKey(path: string, create: () => Promise<string>): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = await create();
  await writePrivateFile(path, key);
  return key;
}

/** What `burrow status` says of the certificates kept: how many, the next to expire, those expired. */
export interface StoredCertificatesSummary {
  dir: string;
  count: number;
  /** The certificate that runs out first, by the host it is for. */
  soonest: { host: string; expires: string } | null;
  /** Hosts whose certificate has run out (renewed at their next visit, or by the periodic check). */
  expired: string[];
}

/**
 * Reads the certificates kept in `<dataDir>/certificates` for `burrow status`; null when there is
 * no such directory (ACME never used here). A file that does not read as a certificate is skipped.
 */
export async function summariseStoredCertificates(
  dataDir: string,
  now = Date.now(),
): Promise<StoredCertificatesSummary | null> {
  const dir = join(dataDir, CERTIFICATES_DIR);
  const exists = await stat(dir).then(
    (found) => found.isDirectory(),
    () => false,
  );
  if (!exists) return null;
  // Unreadable (another user's data dir): said as none rather than failing the whole status.
  const files = await readStoredCertificates(dir).catch(() => new Map<string, string>());
  const certificates: { host: string; expires: number }[] = [];
  for (const text of files.values()) {
    try {
      const x509 = new X509Certificate(text);
      const host = x509.subjectAltName?.replace(/^DNS:/, "").split(",")[0] ?? x509.subject;
      certificates.push({ host, expires: new Date(x509.validTo).getTime() });
    } catch {
      // Damaged: the relay logs it and orders again; not a certificate to report.
    }
  }
  certificates.sort((a, b) => a.expires - b.expires);
  const first = certificates[0];
  return {
    dir,
    count: certificates.length,
    soonest: first ? { host: first.host, expires: new Date(first.expires).toISOString() } : null,
    expired: certificates.filter((certificate) => certificate.expires <= now).map((c) => c.host),
  };
}
