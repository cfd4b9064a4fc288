import { X509Certificate } from "node:crypto";
import type http from "node:http";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import type { Db } from "../../../lib/db.ts";
import { type Env, LETS_ENCRYPT_DIRECTORY } from "../../../lib/env.ts";
import type { Logger } from "../../../lib/logger.ts";
import { parseTunnelHost } from "../../../lib/names/host.ts";
import { PeriodicTask } from "../../periodic-task.ts";
import type { TunnelRegistry } from "../../registry.ts";
import { sanitize } from "../../ssh/terminal.ts";
import { ReservationLookup } from "../reservation-lookup.ts";
import { type AcmeIssuer, createAccountKey, createAcmeIssuer, readAcmeCaFile } from "./acme-issuer.ts";
import {
  ACCOUNT_KEY_FILE,
  APEX_KEY,
  CERTIFICATES_DIR,
  type CertificatePem,
  ensureCertificatesDir,
  readOrCreateAccountKey,
  readStoredCertificates,
  splitStoredCertificate,
  storeCertificate,
} from "./certificate-files.ts";
import { CHALLENGE_PATH, HttpChallenges } from "./http-challenges.ts";
import { BUDGET_FILE, BUDGET_WINDOW_MS, type BudgetClaimant, OrderBudget } from "./order-budget.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A certificate with less than this left is renewed (Let's Encrypt's last third of 90 days). */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/**
 * After a failed order a host waits this long, doubling up to the max, before the next: Let's
 * Encrypt allows 5 failed validations per host name per hour, and a visitor reloading a page on
 * a name whose DNS is wrong must not use them up (nor fill the log).
 */
const RETRY_AFTER_FAILURE = { firstMs: 10 * 60 * 1000, maxMs: 6 * 60 * 60 * 1000 };
/** How often stored certificates are checked for renewal (names nobody visits renew too). */
const RENEWAL_CHECK_MS = 12 * 60 * 60 * 1000;

export interface AcmeCertificatesDeps {
  config: Pick<
    Env,
    | "BURROW_DOMAIN"
    | "BURROW_DATA_DIR"
    | "BURROW_ACME_EMAIL"
    | "BURROW_ACME_DIRECTORY"
    | "BURROW_ACME_CA_FILE"
    | "BURROW_ACME_WEEKLY_LIMIT"
    | "BURROW_RANDOM_NAME_HOURS"
  >;
  /** Whether a name is reserved, or a random name still kept for its user. */
  db: Db;
  /** Whether a name is online now (random names are only there). */
  registry: TunnelRegistry;
  logger: Logger;
  /** Pause after a failed order, doubling up to max (default 10 min to 6 h; tests shorten it). */
  retryAfterFailure?: { firstMs: number; maxMs: number };
  /** How often stored certificates are checked for renewal (default 12 h). */
  renewalCheckMs?: number;
  /** First wait between polls of the ACME server for a pending validation (tests shorten it). */
  pollMs?: number;
  /** The clock certificates' expiry is judged by (tests move it). */
  now?: () => number;
}

/** Certificates for the relay's HTTPS listener, obtained from an ACME server as visitors arrive. */
export interface AcmeCertificates {
  /**
   * Reads the CA file, the account key (made on first start) and the certificates stored by an
   * earlier run. Rejects with a config AppError when BURROW_ACME_CA_FILE cannot be read.
   */
  load(): Promise<void>;
  /** tls.createServer's SNICallback: a name's certificate, obtained first if need be, or a refusal. */
  SNICallback(servername: string, callback: (error: Error | null, context?: SecureContext) => void): void;
  /**
   * Answers an ACME server's HTTP-01 request for a pending challenge (true), or leaves the request
   * to the caller (false): for the plain-HTTP listener, before anything else looks at the request.
   */
  answerChallenge(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Stops the renewal check and new orders; those under way are left to finish. Safe to call twice. */
  close(): Promise<void>;
}

/** A certificate in use: what TLS serves, and when it runs out. */
interface Served {
  context: SecureContext;
  expires: number;
}

/** The host a certificate is for: a validated tunnel name (or APEX_KEY) and its full name. */
interface Target {
  key: string;
  hostname: string;
}

/**
 * Per-host certificates from an ACME server (Let's Encrypt), so an operator needs no wildcard
 * certificate and no DNS provider's API: each `<name>.BURROW_DOMAIN` that is reserved, kept as a
 * random name or online, and the bare domain, get one at their first HTTPS visit, proven over
 * HTTP-01 on the relay's plain-HTTP port. Anything else gets no certificate and no order: scanners
 * try every name and IP, and each order counts against the CA's rate limits. Certificates are kept
 * in `<data dir>/certificates/` and reused after a restart; renewed in the background with less
 * than 30 days left, and before the handshake once expired.
 */
export function createAcmeCertificates(deps: AcmeCertificatesDeps): AcmeCertificates {
  const { config, registry, logger } = deps;
  const domain = config.BURROW_DOMAIN;
  const dir = join(config.BURROW_DATA_DIR, CERTIFICATES_DIR);
  const now = deps.now ?? Date.now;
  const retry = deps.retryAfterFailure ?? RETRY_AFTER_FAILURE;
  const reservations = new ReservationLookup(deps.db, { randomNameHours: config.BURROW_RANDOM_NAME_HOURS });
  const challenges = new HttpChallenges();
  const served = new Map<string, Served>();
  /** One order per host at a time: handshakes that arrive meanwhile wait for the same one. */
  const obtaining = new Map<string, Promise<Served | undefined>>();
  const failures = new Map<string, { until: number; pauseMs: number }>();
  const budget = new OrderBudget(join(dir, BUDGET_FILE), config.BURROW_ACME_WEEKLY_LIMIT, now);
  /** Names told they are over the budget, so the log says it once per name and week, not per visit. */
  const overBudget = new Map<string, number>();
  let issuer: AcmeIssuer | undefined;
  let closed = false;

  const sweep = new PeriodicTask(
    async () => {
      for (const [key, entry] of served) {
        if (closed) return;
        if (entry.expires - now() < RENEW_BEFORE_MS) await obtain(targetOfKey(key));
      }
    },
    { intervalMs: deps.renewalCheckMs ?? RENEWAL_CHECK_MS },
  );

  /** The certificate's host for an SNI or Host value, from the parsed name only; null: none. */
  function targetOf(host: string | undefined): Target | null {
    const target = parseTunnelHost(host, domain);
    if (target.kind === "tunnel") return targetOfKey(target.name);
    // "apex" is also www.BURROW_DOMAIN, which gets none: the bare domain only.
    if (target.kind === "apex" && host?.toLowerCase().split(":")[0]?.replace(/\.$/, "") === domain) {
      return targetOfKey(APEX_KEY);
    }
    return null;
  }

  function targetOfKey(key: string): Target {
    return { key, hostname: key === APEX_KEY ? domain : `${key}.${domain}` };
  }

  /** Who the name is, for the budget; null when it gets no certificate at all. */
  async function claimantOf(key: string): Promise<BudgetClaimant | null> {
    if (key === APEX_KEY) return "reserved";
    const tunnel = registry.get(key);
    if (tunnel) return tunnel.reservationId === null ? "random" : "reserved";
    const found = await reservations.lookup(key);
    if (found.state !== "reserved") return null;
    return found.random ? "random" : "reserved";
  }

  /**
   * Whether the name may be ordered a certificate now: it is someone's, and a new certificate
   * (not a renewal) fits the week's budget. Counts it in the budget when it does; `undo` gives it
   * back if the order fails.
   */
  async function admit(target: Target): Promise<{ undo?: () => Promise<void> } | null> {
    const claimant = await claimantOf(target.key);
    if (!claimant) return null;
    if (served.has(target.key)) return {};
    const cap = budget.refusal(claimant);
    if (cap === null) {
      // Counted in memory all the same: a file that cannot be written only forgets it on restart.
      return {
        undo: await budget.record().catch((error: unknown) => {
          logger.warn("TLS certificate order count not saved", { error: errorDetail(error) });
          return undefined;
        }),
      };
    }
    const told = overBudget.get(target.key);
    if (told === undefined || told < now() - BUDGET_WINDOW_MS) {
      overBudget.set(target.key, now());
      tellOwner(
        target,
        claimant === "random"
          ? "no HTTPS certificate: this server's certificates for random names are used up this week; a reserved name gets one (ask for one in the dashboard)."
          : "no HTTPS certificate: this server's new certificates are used up this week (its admin can raise BURROW_ACME_WEEKLY_LIMIT).",
      );
      logger.warn("TLS certificate not ordered: the week's new certificates are used up", {
        host: target.hostname,
        limit: cap,
        setting: "BURROW_ACME_WEEKLY_LIMIT",
        names: claimant === "random" ? "random names may use half of it" : "all names",
      });
    }
    return null;
  }

  /**
   * Tells the ssh session of a name that is online why its https address fails: its owner sees
   * only a browser's TLS error otherwise, and the reason sits in the server's log.
   */
  function tellOwner(target: Target, problem: string): void {
    if (target.key === APEX_KEY) return;
    registry.get(target.key)?.notify(sanitize(`${target.hostname}: ${problem}`));
  }

  function obtain(target: Target): Promise<Served | undefined> {
    const running = obtaining.get(target.key);
    if (running) return running;
    const failure = failures.get(target.key);
    if (closed || !issuer || (failure && failure.until > now())) return Promise.resolve(undefined);
    const order = issuer;
    const run = (async (): Promise<Served | undefined> => {
      const admitted = await admit(target);
      if (!admitted) return undefined;
      let entry: Served;
      let pem: CertificatePem;
      try {
        pem = await order.issue(target.hostname);
        entry = servedOf(pem);
      } catch (error) {
        await admitted.undo?.().catch(() => {});
        const pauseMs = failure ? Math.min(failure.pauseMs * 2, retry.maxMs) : retry.firstMs;
        failures.set(target.key, { until: now() + pauseMs, pauseMs });
        // A renewal that failed while the certificate still serves is the operator's business.
        if ((served.get(target.key)?.expires ?? 0) <= now()) {
          const retryAt = new Date(now() + pauseMs).toISOString().slice(11, 16);
          tellOwner(
            target,
            `no HTTPS certificate yet (${errorDetail(error)}); trying again at ${retryAt} UTC.`,
          );
        }
        logger.warn("TLS certificate not obtained; its HTTPS visitors are refused until a retry succeeds", {
          host: target.hostname,
          error: errorDetail(error),
          retryAt: new Date(now() + pauseMs).toISOString(),
        });
        return undefined;
      }
      failures.delete(target.key);
      served.set(target.key, entry);
      logger.info("TLS certificate obtained", {
        host: target.hostname,
        expires: new Date(entry.expires).toISOString(),
      });
      // Served from memory either way; not kept, it is ordered again after a restart.
      await storeCertificate(dir, target.key, pem).catch((error: unknown) =>
        logger.warn("TLS certificate not saved (it is ordered again after a restart)", {
          host: target.hostname,
          error: errorDetail(error),
        }),
      );
      return entry;
    })().finally(() => obtaining.delete(target.key));
    obtaining.set(target.key, run);
    return run;
  }

  async function contextFor(servername: string): Promise<SecureContext | undefined> {
    const target = targetOf(servername);
    if (!target) return undefined;
    const current = served.get(target.key);
    if (current && current.expires > now()) {
      if (current.expires - now() < RENEW_BEFORE_MS) void obtain(target);
      return current.context;
    }
    return (await obtain(target))?.context;
  }

  return {
    async load() {
      const ca = config.BURROW_ACME_CA_FILE ? await readAcmeCaFile(config.BURROW_ACME_CA_FILE) : undefined;
      await ensureCertificatesDir(dir);
      await budget.load().catch((error: unknown) =>
        logger.warn("TLS certificate order times unreadable; counting none this week", {
          file: join(dir, BUDGET_FILE),
          error: errorDetail(error),
        }),
      );
      const accountKey = await readOrCreateAccountKey(
        join(config.BURROW_DATA_DIR, ACCOUNT_KEY_FILE),
        createAccountKey,
      );
      issuer = createAcmeIssuer({
        // Both set whenever this runs: the relay makes these only with BURROW_ACME_EMAIL, and the
        // directory then defaults to Let's Encrypt's (lib/env.ts).
        directoryUrl: config.BURROW_ACME_DIRECTORY ?? LETS_ENCRYPT_DIRECTORY,
        email: config.BURROW_ACME_EMAIL ?? "",
        accountKey,
        ca,
        challenges,
        pollMs: deps.pollMs,
      });
      for (const [key, text] of await readStoredCertificates(dir)) {
        const target = key === APEX_KEY ? targetOfKey(key) : targetOf(`${key}.${domain}`);
        const pem = splitStoredCertificate(text);
        let entry: Served | undefined;
        try {
          entry = target?.key === key && pem && covers(pem, target.hostname) ? servedOf(pem) : undefined;
        } catch {
          entry = undefined;
        }
        // Another domain's (BURROW_DOMAIN changed), or damaged: ordered again when visited.
        if (!entry) logger.warn("stored TLS certificate ignored", { file: join(dir, `${key}.pem`) });
        else served.set(key, entry);
      }
      logger.info("TLS certificates from ACME", {
        directory: config.BURROW_ACME_DIRECTORY ?? LETS_ENCRYPT_DIRECTORY,
        stored: served.size,
      });
      sweep.start(Math.min(60_000, deps.renewalCheckMs ?? RENEWAL_CHECK_MS));
    },

    SNICallback(servername, callback) {
      contextFor(servername).then(
        (context) =>
          context ? callback(null, context) : callback(new Error("no certificate for this host")),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },

    answerChallenge(req, res) {
      if (req.method !== "GET" || !req.url?.startsWith(CHALLENGE_PATH)) return false;
      const target = targetOf(req.headers.host);
      const answer = target && challenges.answer(target.hostname, req.url.slice(CHALLENGE_PATH.length));
      if (!answer) return false;
      res.writeHead(200, {
        "content-type": "text/plain",
        "content-length": Buffer.byteLength(answer),
        "cache-control": "no-store",
      });
      res.end(answer);
      return true;
    },

    async close() {
      closed = true;
      // Not waited for: a renewal under way may take seconds of the ACME server's time, and the
      // relay's stop should not. Its certificate is stored if it arrives before the process ends.
      void sweep.stop();
    },
  };
}

/** A chain and key as TLS serves them; throws when they do not load together. */
function servedOf(pem: CertificatePem): Served {
  const context = createSecureContext({ cert: pem.chain, key: pem.key });
  return { context, expires: new Date(new X509Certificate(pem.chain).validTo).getTime() };
}

function covers(pem: CertificatePem, hostname: string): boolean {
  return new X509Certificate(pem.chain).checkHost(hostname) !== undefined;
}

/** An error's text on one line: the ACME server's problem detail, never a key (none is in it). */
function errorDetail(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").trim().slice(0, 500);
}
