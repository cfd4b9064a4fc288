import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type https from "node:https";
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

export async function readCertificate(files: CertificateFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
  return { cert, key };
}

/** When the first certificate of a PEM chain expires, or null when it cannot be read. */
function expiryOf(cert: Buffer): Date | null {
  try {
    return new Date(new X509Certificate(cert).validTo);
  } catch {
    return null;
  }
}

/** Logs when a certificate expires, as a warning when that is soon. */
export function logCertificate(logger: Logger, event: string, cert: Buffer, now = Date.now()): void {
  const expires = expiryOf(cert);
  const fields = { expires: expires?.toISOString() ?? "unknown" };
  if (expires && expires.getTime() - now < EXPIRY_WARNING_MS) {
    logger.warn(`${event}; it expires soon: renew it (Burrow picks up the new files by itself)`, fields);
  } else {
    logger.info(event, fields);
  }
}

/**
 * Keeps an HTTPS server on the current certificate: Let's Encrypt renews every 60-90 days, and a
 * restart to pick up the new files would drop every tunnel. The files are polled (their size, time
 * and inode, symlinks followed) because renewal tools swap them by rename or symlink, which a
 * watch on the old file misses. A pair that does not load (half written, key not matching) is
 * logged and the certificate in use kept; the next change is tried again. Returns the stop function.
 */
export function watchCertificate(
  server: https.Server,
  files: CertificateFiles,
  logger: Logger,
  intervalMs = CERTIFICATE_CHECK_MS,
): () => void {
  let seen: string | undefined;
  let checking = false;

  const signature = async () => {
    const [cert, key] = await Promise.all([stat(files.cert), stat(files.key)]);
    return [cert.ino, cert.size, cert.mtimeMs, key.ino, key.size, key.mtimeMs].join(":");
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
      logCertificate(logger, "TLS certificate reloaded", pair.cert);
    } catch (error) {
      logger.warn("TLS certificate files could not be read", {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      checking = false;
    }
  };

  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
