import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import { AppError } from "./errors.ts";
import {
  PROXY_GROUPS,
  parseTrustedProxies,
  rangeNetwork,
  type TrustedProxyEntry,
} from "./forwarding/trusted-proxies.ts";

const PORT_MESSAGE = "must be a port number from 1 to 65535";
const port = z.coerce
  .number({ message: PORT_MESSAGE })
  .int(PORT_MESSAGE)
  .min(0, PORT_MESSAGE)
  .max(65535, PORT_MESSAGE);
const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");
const COUNT_MESSAGE = "must be a whole number, 1 or more";
const WAITING_MESSAGE = "must be a whole number of seconds from 1 to 3600";
const count = z.coerce.number({ message: COUNT_MESSAGE }).int(COUNT_MESSAGE).positive(COUNT_MESSAGE);

/** Ciphers the relay may offer: the AEAD and CTR ones OpenSSH has; CBC, 3DES and RC4 never. */
export const SSH_CIPHERS = [
  "aes128-gcm@openssh.com",
  "aes256-gcm@openssh.com",
  "chacha20-poly1305@openssh.com",
  "aes128-ctr",
  "aes192-ctr",
  "aes256-ctr",
] as const;
export type SshCipher = (typeof SSH_CIPHERS)[number];
/**
 * AES-GCM only by default. An SSH client takes the first cipher of its own list the server offers,
 * and OpenSSH lists chacha20-poly1305 and AES-CTR first. AES-GCM runs on the CPU's AES instructions
 * at both ends: on the benchmark VM a 64 MiB download through a tunnel went from 228 to 315 MiB/s
 * (bench harness, 5 reps each) and the OpenSSH client's CPU per small request fell ~10 %. Every
 * OpenSSH since 6.2 (2013) and PuTTY since 0.76 has it; older clients need the setting widened.
 */
const DEFAULT_SSH_CIPHERS: SshCipher[] = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];
const sshCiphers = z.string().transform((value, ctx) => {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(SSH_CIPHERS as readonly string[]).includes(name));
  if (names.length > 0 && unknown.length === 0) return names as SshCipher[];
  ctx.addIssue({
    code: "custom",
    message: `${unknown.length > 0 ? `names an unknown or unsafe cipher (${unknown.join(", ")})` : "is empty"}: use a comma-separated list of ${SSH_CIPHERS.join(", ")}`,
  });
  return z.NEVER;
});

/**
 * Every address of the host: "::" serves IPv6 and IPv4 visitors alike (Node opens it dual-stack,
 * whatever net.ipv6.bindv6only says), so the AAAA record the deploy guide suggests works; a host
 * with IPv6 switched off gets "0.0.0.0".
 */
function allAddresses(): string {
  const interfaces = Object.values(networkInterfaces());
  return interfaces.some((addresses) => addresses?.some((a) => a.family === "IPv6")) ? "::" : "0.0.0.0";
}

const trustedProxies = z.string().transform((value, ctx): TrustedProxyEntry[] => {
  const { entries, invalid } = parseTrustedProxies(value);
  if (invalid.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `has ${invalid.map((entry) => `"${entry}"`).join(", ")}, which is not an address, a range such as 10.0.0.0/8, or one of ${Object.keys(PROXY_GROUPS).join(", ")}`,
    });
    return z.NEVER;
  }
  // Refused as the dashboard's allowed-address form refuses it: 10.0.0.1/8 may have meant the one
  // address, and trusting a whole network's X-Forwarded-For by a slip lets anyone in it claim to
  // be any visitor (the log, the password throttle, allowed addresses).
  const withHostBits = entries.flatMap((entry) => {
    const network = rangeNetwork(entry);
    return network ? [`"${entry}" (did you mean ${network}, or ${entry.split("/")[0]} alone?)`] : [];
  });
  if (withHostBits.length === 0) return entries;
  ctx.addIssue({ code: "custom", message: `has a range with host bits set: ${withHostBits.join(", ")}` });
  return z.NEVER;
});

/** Listeners that may sit behind a TCP load balancer speaking HAProxy's PROXY protocol. */
export const PROXY_PROTOCOL_LISTENERS = ["ssh", "http", "https"] as const;
export type ProxyProtocolListener = (typeof PROXY_PROTOCOL_LISTENERS)[number];
const proxyProtocolListeners = z.string().transform((value, ctx): ProxyProtocolListener[] => {
  const names = [
    ...new Set(
      value
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((name) => !(PROXY_PROTOCOL_LISTENERS as readonly string[]).includes(name));
  if (unknown.length === 0) return names as ProxyProtocolListener[];
  ctx.addIssue({
    code: "custom",
    message: `has ${unknown.map((name) => `"${name}"`).join(", ")}: use a comma-separated list of ${PROXY_PROTOCOL_LISTENERS.join(", ")}`,
  });
  return z.NEVER;
});

/** Let's Encrypt's production ACME directory: BURROW_ACME_DIRECTORY's default. */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

/**
 * Every setting Burrow reads, validated once at start. Nothing else reads process.env.
 * Documented in README.md and .env.example.
 */
export const envSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection URL")
      .optional(),
    BURROW_DOMAIN: z
      .string()
      .toLowerCase()
      .regex(
        /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
        "must be a domain name such as tunnels.example.com",
      )
      .default("localhost"),
    BURROW_LISTEN_HOST: z.string().min(1).default(allAddresses),
    BURROW_SSH_PORT: port.default(2222),
    BURROW_SSH_HOST: z.string().min(1).optional(),
    BURROW_HTTP_PORT: port.default(8080),
    BURROW_HTTPS_PORT: port.optional(),
    BURROW_TLS_CERT: z.string().optional(),
    BURROW_TLS_KEY: z.string().optional(),
    BURROW_HTTPS_REDIRECT: flag.default(true),
    BURROW_ACME_EMAIL: z
      .string()
      .trim()
      .email("must be an email address (the ACME account's contact)")
      .optional(),
    BURROW_ACME_DIRECTORY: z
      .string()
      .url("must be an ACME directory URL such as https://acme-v02.api.letsencrypt.org/directory")
      .startsWith("https://", "must be an https:// URL (ACME servers speak only HTTPS)")
      .optional(),
    BURROW_ACME_CA_FILE: z.string().optional(),
    BURROW_ACME_WEEKLY_LIMIT: z.coerce
      .number({ message: "must be a whole number of certificates (0: no limit)" })
      .int("must be a whole number of certificates (0: no limit)")
      .min(0, "must be 0 (no limit) or more certificates")
      .default(40),
    BURROW_TUNNEL_URL: z.string().optional(),
    BURROW_DATA_DIR: z.string().min(1).default("./.burrow"),
    BURROW_DASHBOARD_URL: z.string().url().optional(),
    BURROW_ALLOW_RANDOM_NAMES: flag.default(true),
    BURROW_RANDOM_NAME_HOURS: count.default(24),
    BURROW_ALLOW_SIGNUP: flag.default(true),
    BURROW_MAX_NAMES: count.default(10),
    BURROW_MAX_CONNECTIONS_PER_KEY: count.default(20),
    BURROW_MAX_FORWARDS_PER_CONNECTION: count.default(20),
    BURROW_MAX_APP_CONNECTIONS: count.default(256),
    BURROW_MAX_UNAUTHENTICATED_PER_IP: count.default(32),
    BURROW_SSH_CIPHERS: sshCiphers.default(DEFAULT_SSH_CIPHERS),
    BURROW_LOG_QUEUE_MAX: count.default(50_000),
    BURROW_REQUEST_LOG: flag.default(true),
    BURROW_LOG_HEADERS: flag.default(true),
    BURROW_LOG_BODIES: flag.default(true),
    BURROW_LOG_RETENTION_DAYS: z.coerce
      .number({ message: "must be a whole number of days (0 keeps request logs forever)" })
      .int("must be a whole number of days (0 keeps request logs forever)")
      .min(0, "must be 0 (keep forever) or more days")
      .default(30),
    // After how long a request still under way is written to the log before it ends (server/http/
    // edge.ts longResponseMs). Not 0: the edge looks a fifth as often, and every request
    // would be written twice.
    BURROW_LOG_WAITING_AFTER_SECONDS: z.coerce
      .number({ message: WAITING_MESSAGE })
      .int(WAITING_MESSAGE)
      .min(1, WAITING_MESSAGE)
      .max(3600, WAITING_MESSAGE)
      .default(10),
    BURROW_ACCESS_COOKIE_HOURS: count.default(24),
    BURROW_TRUSTED_PROXIES: trustedProxies.default([]),
    BURROW_PROXY_PROTOCOL: proxyProtocolListeners.default([]),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    PORT: port.default(3000),
  })
  .superRefine((env, ctx) => {
    const acme = env.BURROW_ACME_EMAIL !== undefined;
    if (env.BURROW_HTTPS_PORT !== undefined && !acme && (!env.BURROW_TLS_CERT || !env.BURROW_TLS_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_HTTPS_PORT"],
        message:
          "needs BURROW_ACME_EMAIL (certificates from Let's Encrypt) or BURROW_TLS_CERT and BURROW_TLS_KEY (a wildcard certificate for *.BURROW_DOMAIN)",
      });
    }
    if (acme && (env.BURROW_TLS_CERT || env.BURROW_TLS_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_ACME_EMAIL"],
        message:
          "and BURROW_TLS_CERT / BURROW_TLS_KEY are both set: use one or the other (ACME certificates per name, or your own wildcard certificate)",
      });
    }
    if (acme && env.BURROW_HTTPS_PORT === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_ACME_EMAIL"],
        message: "needs BURROW_HTTPS_PORT (443): the certificates are for the relay's HTTPS listener",
      });
    }
    if (acme && env.BURROW_DOMAIN === "localhost") {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_ACME_EMAIL"],
        message:
          "needs BURROW_DOMAIN set to your domain (such as tunnels.example.com): no ACME server issues certificates for localhost",
      });
    }
    // Either alone would be silently ignored: only BURROW_ACME_EMAIL turns certificates on.
    for (const setting of ["BURROW_ACME_DIRECTORY", "BURROW_ACME_CA_FILE"] as const) {
      if (env[setting] !== undefined && !acme) {
        ctx.addIssue({
          code: "custom",
          path: [setting],
          message: "is set, but BURROW_ACME_EMAIL is not (setting it turns ACME certificates on)",
        });
      }
    }
    if ((env.BURROW_TLS_CERT || env.BURROW_TLS_KEY) && env.BURROW_HTTPS_PORT === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_HTTPS_PORT"],
        message: "is required when BURROW_TLS_CERT / BURROW_TLS_KEY are set",
      });
    }
    const tunnelUrlProblem =
      env.BURROW_TUNNEL_URL === undefined
        ? null
        : problemOfTunnelUrl(env.BURROW_TUNNEL_URL, env.BURROW_DOMAIN);
    if (tunnelUrlProblem) {
      ctx.addIssue({ code: "custom", path: ["BURROW_TUNNEL_URL"], message: tunnelUrlProblem });
    }
    if (env.BURROW_PROXY_PROTOCOL.length > 0 && env.BURROW_TRUSTED_PROXIES.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_PROXY_PROTOCOL"],
        message:
          "needs BURROW_TRUSTED_PROXIES: the addresses your load balancer connects from (only their connections carry a PROXY header)",
      });
    }
    // Each of the relay's listeners needs a port of its own (0, a free one each, aside); the
    // dashboard's PORT is left out: `burrow relay` alone does not use it.
    const listeners: [string, number | undefined][] = [
      ["BURROW_SSH_PORT", env.BURROW_SSH_PORT],
      ["BURROW_HTTP_PORT", env.BURROW_HTTP_PORT],
      ["BURROW_HTTPS_PORT", env.BURROW_HTTPS_PORT],
    ];
    listeners.forEach(([setting, value], i) => {
      const same = listeners
        .slice(0, i)
        .find(([, other]) => value !== undefined && value !== 0 && other === value);
      if (same) {
        ctx.addIssue({
          code: "custom",
          path: [setting],
          message: `is ${value}, as ${same[0]} is: each needs a port of its own`,
        });
      }
    });
    if (env.BURROW_PROXY_PROTOCOL.includes("https") && env.BURROW_HTTPS_PORT === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["BURROW_PROXY_PROTOCOL"],
        message: "names https, but BURROW_HTTPS_PORT is not set",
      });
    }
  })
  .transform((env) => ({
    ...env,
    BURROW_DATA_DIR: resolve(env.BURROW_DATA_DIR),
    BURROW_SSH_HOST: env.BURROW_SSH_HOST ?? env.BURROW_DOMAIN,
    // Only with ACME on: the settings are handed on to the dashboard's process as they came out of
    // here, and a directory set there without an email is refused above.
    BURROW_ACME_DIRECTORY:
      env.BURROW_ACME_DIRECTORY ?? (env.BURROW_ACME_EMAIL === undefined ? undefined : LETS_ENCRYPT_DIRECTORY),
    BURROW_DASHBOARD_URL: env.BURROW_DASHBOARD_URL ?? `http://${env.BURROW_DOMAIN}:${env.PORT}`,
    BURROW_TUNNEL_URL:
      env.BURROW_TUNNEL_URL === undefined
        ? undefined
        : normalTunnelUrl(env.BURROW_TUNNEL_URL, env.BURROW_DOMAIN),
  }));

/**
 * Each setting's own check and default, by name, before the checks across settings: what README.md's
 * settings table and .env.example must list (lib/settings-docs.test.ts holds them to it).
 */
export const settingSchemas = envSchema.in.shape;

/**
 * What is wrong with a BURROW_TUNNEL_URL, or null: it must be the tunnels' own address pattern,
 * http(s)://*.BURROW_DOMAIN with an optional port, since every URL Burrow shows is made from it.
 */
function problemOfTunnelUrl(value: string, domain: string): string | null {
  const example = `(such as https://*.${domain})`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a URL with * for the name ${example}`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `must start with https:// or http:// ${example}`;
  if (url.hostname !== `*.${domain}`) return `must have the host *.${domain}, the tunnels' names ${example}`;
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) {
    return `must be a scheme, host and port only, no path ${example}`;
  }
  return null;
}

/** A valid BURROW_TUNNEL_URL as tunnelUrl uses it: lower case, no default port, no trailing slash. */
function normalTunnelUrl(value: string, domain: string): string {
  const url = new URL(value);
  return `${url.protocol}//*.${domain}${url.port ? `:${url.port}` : ""}`;
}

export type Env = z.infer<typeof envSchema>;

/** Parses the environment; throws one AppError("config") listing every bad setting. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // A setting left empty (`PORT=` in .env) is unset, so it gets its default: coerced, "" would be
  // port 0 (a random one) or 0 days (logs kept forever), and fail every other check.
  const set = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = envSchema.safeParse(set);
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "environment"} ${issue.message}`,
  );
  throw new AppError("config", `Invalid configuration: ${lines.join("; ")}`);
}

/** The scheme visitors use for tunnel URLs: https when the relay serves TLS. */
export function publicScheme(env: Pick<Env, "BURROW_HTTPS_PORT">): "http" | "https" {
  return env.BURROW_HTTPS_PORT === undefined ? "http" : "https";
}

/**
 * The public URL of a tunnel name, e.g. http://myapp.localhost:8080 or https://myapp.example.com:
 * BURROW_TUNNEL_URL when set (TLS ends at a proxy in front, or the ports visitors use are not the
 * ones the relay listens on), else made from the relay's own ports.
 */
export function tunnelUrl(
  env: Pick<Env, "BURROW_HTTPS_PORT" | "BURROW_HTTP_PORT" | "BURROW_DOMAIN" | "BURROW_TUNNEL_URL">,
  name: string,
): string {
  if (env.BURROW_TUNNEL_URL) return env.BURROW_TUNNEL_URL.replace("*", name);
  const scheme = publicScheme(env);
  const port = scheme === "https" ? env.BURROW_HTTPS_PORT : env.BURROW_HTTP_PORT;
  const defaultPort = scheme === "https" ? 443 : 80;
  return `${scheme}://${name}.${env.BURROW_DOMAIN}${port === defaultPort ? "" : `:${port}`}`;
}

/**
 * The HTTPS port visitors use when BURROW_TUNNEL_URL says so (443 unless it names one): a relay on
 * 8443 behind a port mapping sends plain-HTTP visitors there, not to a port only it can see.
 */
export function publicHttpsPort(env: Pick<Env, "BURROW_TUNNEL_URL">): number | undefined {
  if (!env.BURROW_TUNNEL_URL?.startsWith("https:")) return undefined;
  const port = new URL(env.BURROW_TUNNEL_URL).port;
  return port ? Number(port) : 443;
}

/**
 * The scheme and port visitors reach tunnels on: BURROW_TUNNEL_URL's when set (nginx doing TLS on
 * 443 in front of the relay's 8080), else the relay's own. A replay tells the app these, as the
 * visitor's request did.
 */
export function publicEndpoint(
  env: Pick<Env, "BURROW_TUNNEL_URL" | "BURROW_HTTPS_PORT" | "BURROW_HTTP_PORT">,
): { proto: "http" | "https"; port: number } {
  if (env.BURROW_TUNNEL_URL) {
    const url = new URL(env.BURROW_TUNNEL_URL);
    const proto = url.protocol === "https:" ? "https" : "http";
    return { proto, port: url.port ? Number(url.port) : proto === "https" ? 443 : 80 };
  }
  return env.BURROW_HTTPS_PORT === undefined
    ? { proto: "http", port: env.BURROW_HTTP_PORT }
    : { proto: "https", port: env.BURROW_HTTPS_PORT };
}
