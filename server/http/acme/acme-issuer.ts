import https from "node:https";
import { rootCertificates } from "node:tls";
import { crypto as acmeCrypto, Client } from "acme-client";
import { AppError } from "../../../lib/errors.ts";
import { readSettingFile } from "../tls-certificate.ts";
import type { CertificatePem } from "./certificate-files.ts";
import type { HttpChallenges } from "./http-challenges.ts";

/** Obtains one certificate for one host name from the ACME server, proving control over HTTP-01. */
export interface AcmeIssuer {
  issue(hostname: string): Promise<CertificatePem>;
}

export interface AcmeIssuerOptions {
  directoryUrl: string;
  email: string;
  /** The account key (PEM), kept in the data dir. */
  accountKey: string;
  /** Extra CA certificates (PEM) for the ACME server's own HTTPS: BURROW_ACME_CA_FILE's. */
  ca?: string;
  /** Where pending challenges wait for the ACME server to fetch them from the plain-HTTP port. */
  challenges: HttpChallenges;
  /** First wait between polls of a pending challenge or order (doubles up to 10 s). */
  pollMs?: number;
}

/** What acme-client's Client keeps its HTTP client under; not in its types (see withCa). */
interface ClientHttp {
  request(url: string, method: string, options?: Record<string, unknown>): Promise<unknown>;
}

/**
 * Reads BURROW_ACME_CA_FILE: a file that is missing, unreadable or holds no certificate is a
 * configuration error naming the setting, not a TLS error at the first handshake.
 */
export async function readAcmeCaFile(path: string): Promise<string> {
  const text = (await readSettingFile("BURROW_ACME_CA_FILE", path)).toString("utf8");
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new AppError(
      "config",
      `BURROW_ACME_CA_FILE ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return text;
}

/** A new account key: ECDSA P-256, as small and fast as keys get for ACME. */
export async function createAccountKey(): Promise<string> {
  return (await acmeCrypto.createPrivateEcdsaKey("P-256")).toString();
}

/**
 * The ACME client the relay orders certificates with: HTTP-01 only (the relay answers on its
 * plain-HTTP port; no DNS provider needed), terms of service agreed (the operator did by setting
 * BURROW_ACME_EMAIL), and the client's own pre-check of the challenge skipped: it would fetch the
 * token from this very host, through whatever the relay's own network does with its public name.
 */
export function createAcmeIssuer(options: AcmeIssuerOptions): AcmeIssuer {
  const pollMs = options.pollMs ?? 1_000;
  const client = new Client({
    directoryUrl: options.directoryUrl,
    accountKey: options.accountKey,
    backoffMin: pollMs,
    backoffMax: Math.max(pollMs, 10_000),
  });
  if (options.ca) withCa(client, options.ca);
  const { challenges } = options;
  return {
    async issue(hostname) {
      const [key, csr] = await acmeCrypto.createCsr(
        { commonName: hostname, altNames: [hostname] },
        await acmeCrypto.createPrivateEcdsaKey("P-256"),
      );
      const chain = await client.auto({
        csr,
        email: options.email,
        termsOfServiceAgreed: true,
        challengePriority: ["http-01"],
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
          challenges.add(hostname, challenge.token, keyAuthorization);
        },
        challengeRemoveFn: async (_authz, challenge) => {
          challenges.remove(hostname, challenge.token);
        },
      });
      return { chain, key: key.toString() };
    },
  };
}

/**
 * Trusts `ca` (besides the usual roots) for this client's requests only. acme-client sends every
 * request through one axios instance shared by the whole process; setting an agent on it would
 * change every other client's trust too. Its Client keeps its HTTP client (`http`) with a
 * `request(url, method, options)` whose options go to axios as they are, so this client's requests
 * get an agent of their own there. Checked at start: a later acme-client without it fails loudly.
 */
function withCa(client: Client, ca: string): void {
  const http = (client as unknown as { http?: ClientHttp }).http;
  if (typeof http?.request !== "function") {
    throw new Error("acme-client changed: its Client has no http.request to give BURROW_ACME_CA_FILE to");
  }
  const agent = new https.Agent({ ca: [...rootCertificates, ca] });
  const request = http.request.bind(http);
  http.request = (url, method, requestOptions = {}) =>
    request(url, method, { ...requestOptions, httpsAgent: agent });
}
