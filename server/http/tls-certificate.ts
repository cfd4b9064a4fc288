import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createSecureContext, type Server as TlsServer } from "node:tls";
import { AppError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";

/** Where the HTTPS edge's certificate chain and private key live (PEM). */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/** How often the files are checked for a renewal. */
export const CERTIFICATE_CHECK_MS = 60_000;

/** A renewal is logged as a warning when the certificate in use expires sooner than this. */
const EXPIRY_WARNING_MS = 14 * 24 * 60 * 60 * 1000;

/** How often a certificate in use that expires soon (or has expired) is logged again. */
const EXPIRY_REMINDER_MS = 24 * 60 * 60 * 1000;

export async function readCertificate(files: CertificateFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  return { cert, key };
}

/**
 * The pair HTTPS starts with, checked as TLS will use it. A file that is missing or unreadable, not
 * PEM, or a key that is not the certificate's is a configuration error naming the setting, instead
 * of a stack trace at start-up.
 */
export async function loadCertificate(files: CertificateFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([
    readSettingFile("BURROW_TLS_CERT", files.cert),
    readSettingFile("BURROW_TLS_KEY", files.key),
  ]);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const reason = /key values mismatch/i.test(text)
      ? "the key is not the certificate's (BURROW_TLS_KEY must be the private key of BURROW_TLS_CERT)"
      : /no start line|bad base64|PEM/i.test(text)
        ? "they must be PEM files (-----BEGIN CERTIFICATE----- and -----BEGIN PRIVATE KEY-----)"
        : text;
    throw new AppError(
      "config",
      `The TLS certificate ${files.cert} and key ${files.key} do not load: ${reason}`,
    );
  }
  return { cert, key };
}

/** A file a setting names; one that cannot be read is a configuration error naming the setting. */
export function readSettingFile(setting: string, path: string): Promise<Buffer> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    const reason =
      error.code === "ENOENT"
        ? "no such file"
        : error.code === "EACCES"
          ? "permission denied"
          : error.message;
    throw new AppError("config", `${setting} ${path} cannot be read: ${reason}`);
  });
}

/** The names a certificate is for, as it lists them: its DNS names, else its common name. */
function subjectOf(cert: Buffer): string {
  try {
    const x509 = new X509Certificate(cert);
    return x509.subjectAltName ?? x509.subject.replaceAll("\n", ", ");
  } catch {
    return "unreadable";
  }
}

/** When the first certificate of a PEM chain starts and stops being valid, or null when unreadable. */
function validityOf(cert: Buffer): { from: Date; to: Date } | null {
  try {
    const x509 = new X509Certificate(cert);
    return { from: new Date(x509.validFrom), to: new Date(x509.validTo) };
  } catch {
    return null;
  }
}

/**
 * Whether the certificate covers every name under `domain` (a wildcard *.domain): one made for
 * other names loads fine, and only visitors' browsers would say what is wrong.
 */
export function coversTunnelNames(cert: Buffer, domain: string): boolean {
  try {
    return new X509Certificate(cert).checkHost(`burrow-probe.${domain}`) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Whether the file holds one certificate issued by someone else, without the intermediates that lead
 * to a trusted root (certbot's cert.pem given instead of fullchain.pem): browsers that happen to
 * know the intermediate cope, but curl, apps and other browsers refuse the connection. A
 * self-signed certificate has nothing to chain to.
 */
function lacksChain(cert: Buffer): boolean {
  if (cert.toString("latin1").split("-----BEGIN CERTIFICATE-----").length !== 2) return false;
  try {
    const x509 = new X509Certificate(cert);
    return !x509.checkIssued(x509);
  } catch {
    return false;
  }
}

/** Where a certificate stands on its dates: what decides whether it is logged, and how. */
type CertificateState = "valid" | "expiring" | "expired" | "not_yet_valid" | "unknown";

/**
 * Logs when a certificate expires, as a warning when that is soon and an error when it has expired
 * (or is not valid yet), and warns when it does not cover the tunnels' names (`domain`,
 * BURROW_DOMAIN) or comes without its chain. Returns where it stands on its dates.
 */
export function logCertificate(
  logger: Logger,
  event: string,
  cert: Buffer,
  domain: string,
  now = Date.now(),
): CertificateState {
  if (!coversTunnelNames(cert, domain)) {
    logger.warn(
      `${event}, but it does not cover the tunnels' names (*.${domain}): browsers will refuse their https addresses`,
      { subject: subjectOf(cert) },
    );
  }
  if (lacksChain(cert)) {
    logger.warn(
      `${event}, but without its chain: the file holds the site's certificate alone, which curl, apps and some browsers refuse (give the full chain: certbot's fullchain.pem, not cert.pem)`,
      { subject: subjectOf(cert) },
    );
  }
  return logExpiry(logger, event, cert, now);
}

function stateOf(cert: Buffer, now: number): CertificateState {
  const validity = validityOf(cert);
  if (!validity) return "unknown";
  if (validity.to.getTime() <= now) return "expired";
  if (validity.from.getTime() > now) return "not_yet_valid";
  return validity.to.getTime() - now < EXPIRY_WARNING_MS ? "expiring" : "valid";
}

function logExpiry(logger: Logger, event: string, cert: Buffer, now: number): CertificateState {
  const state = stateOf(cert, now);
  const validity = validityOf(cert);
  const fields = { expires: validity?.to.toISOString() ?? "unknown" };
  // Both load (TLS checks no dates) and are served; only visitors' browsers would say what is wrong.
  if (state === "expired") {
    logger.error(
      `${event}, but it has expired: browsers refuse every tunnel's https address until it is renewed (Burrow picks up the new files by itself)`,
      fields,
    );
  } else if (state === "not_yet_valid") {
    logger.error(`${event}, but it is not valid yet: browsers refuse it until then (is the clock right?)`, {
      ...fields,
      validFrom: validity?.from.toISOString() ?? "unknown",
    });
  } else if (state === "expiring") {
    logger.warn(`${event}; it expires soon: renew it (Burrow picks up the new files by itself)`, fields);
  } else {
    logger.info(event, fields);
  }
  return state;
}

/** What watchCertificate needs: the server, its files, the certificate it started with. */
export interface CertificateWatch {
  server: TlsServer;
  files: CertificateFiles;
  /** The certificate the server was started with (already logged by logCertificate). */
  served: Buffer;
  logger: Logger;
  /** BURROW_DOMAIN, whose `*.` the certificate must cover. */
  domain: string;
  intervalMs?: number;
  /** The clock expiry is judged by (tests move it). */
  now?: () => number;
}

/**
 * Keeps an HTTPS server on the current certificate: Let's Encrypt renews every 60-90 days, and a
 * restart to pick up the new files would drop every tunnel. The files are polled (their size, time
 * and inode, symlinks followed) because renewal tools swap them by rename or symlink, which a
 * watch on the old file misses. A pair that does not load (half written, key not matching) is
 * logged and the certificate in use kept; the next change is tried again. The certificate in use
 * is also logged again once it comes within 14 days of expiry, once it expires, and daily while
 * either lasts: a renewal that stopped working changes no file, and the one line at load time
 * (weeks earlier) would be the only word. Returns the stop function.
 */
export function watchCertificate(watch: CertificateWatch): () => void {
  const { server, files, logger, domain } = watch;
  const now = watch.now ?? Date.now;
  let seen: string | undefined;
  let checking = false;
  let served = watch.served;
  /** What was last said of the certificate in use, and when: repeated daily, or when it changes. */
  let told = { state: stateOf(served, now()), at: now() };

  const signature = async () => {
    const [cert, key] = await Promise.all([stat(files.cert), stat(files.key)]);
    return [cert.ino, cert.size, cert.mtimeMs, key.ino, key.size, key.mtimeMs].join(":");
  };

  const remind = () => {
    const at = now();
    const state = stateOf(served, at);
    if (state === "valid" || state === "unknown") return;
    if (state === told.state && at - told.at < EXPIRY_REMINDER_MS) return;
    told = { state: logExpiry(logger, "TLS certificate in use", served, at), at };
  };

  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const current = await signature();
      if (seen === undefined) {
        seen = current;
        return;
      }
      if (current === seen) return;
      // Read before taking the change as seen: a file missing mid-swap is retried at the next check.
      const pair = await readCertificate(files);
      // A pair that does not load is reported once, and tried again when the files change again.
      seen = current;
      try {
        server.setSecureContext(pair);
      } catch (error) {
        logger.error("new TLS certificate not loaded, still serving the previous one", {
          error: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      served = pair.cert;
      told = {
        state: logCertificate(logger, "TLS certificate reloaded", pair.cert, domain, now()),
        at: now(),
      };
    } catch (error) {
      logger.warn("TLS certificate files could not be read", {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      remind();
      checking = false;
    }
  };

  void check();
  const timer = setInterval(() => void check(), watch.intervalMs ?? CERTIFICATE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
