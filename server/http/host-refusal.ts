import type { Env } from "../../lib/env.ts";
import type { Tunnel } from "../registry.ts";
import { messages } from "../ssh/messages.ts";
import type { OwnerNotices } from "./owner-notices.ts";

/** A development server's host check, as the relay recognises it and tells its owner to fix it. */
export interface HostCheck {
  app: string;
  /** What its refusal page says, found in the first chunk of a 400 or 403. */
  words: RegExp;
  /** The change to the app that lets the host in (`host` without its port). */
  allow: (host: string) => string;
  /**
   * Whether the name's Host: localhost setting is a full fix too. Not where the app also checks
   * the Origin (webpack-dev-server's live reload) or X-Forwarded-Host (Rails), which still name
   * the public host.
   */
  localhostWorks: boolean;
}

/**
 * Development servers that check the Host header answer a tunnel's visitors with an error page of
 * their own (README: "Development servers that refuse other host names"). The visitor sees that
 * page; the tunnel's owner, who is the one who can fix it, would only see "GET / 403" in their
 * terminal.
 */
const HOST_CHECKS: readonly HostCheck[] = [
  // Vite 5.4.12 and later, and what runs on it: Nuxt, SvelteKit, Astro, Angular's ng serve.
  {
    app: "Vite",
    words: /^Blocked request\. This host \(/,
    allow: (host) => `add server.allowedHosts: ['${host}'] to vite.config.js`,
    localhostWorks: true,
  },
  {
    app: "webpack-dev-server",
    words: /^Invalid Host(?:\/Origin)? header/,
    allow: (host) => `add devServer.allowedHosts: ['${host}'] to webpack.config.js`,
    localhostWorks: false,
  },
  // Only with DEBUG on; with it off Django says "Bad Request (400)" and nothing more. Host:
  // localhost gets its pages through, but its CSRF check then refuses forms from the public origin.
  {
    app: "Django",
    words: /<title>DisallowedHost|Invalid HTTP_HOST header/,
    allow: (host) => `add '${host}' to ALLOWED_HOSTS in settings.py`,
    localhostWorks: false,
  },
  {
    app: "Rails",
    words: /Blocked hosts?: /,
    allow: (host) => `add config.hosts << "${host}" to config/environments/development.rb`,
    localhostWorks: false,
  },
];

/**
 * Next.js's dev server checks the Origin of requests for its own resources and of its live-reload
 * WebSocket against allowedDevOrigins (localhost only by default): a refused upgrade gets the bare
 * word "Unauthorized", not an HTTP answer, and the page through the tunnel never goes live.
 */
function isNextDevRefusal(path: string, error: Error): boolean {
  const raw = (error as Error & { rawPacket?: Buffer }).rawPacket;
  return (
    isNextDevPath(path) && raw instanceof Buffer && raw.subarray(0, 12).toString("latin1") === "Unauthorized"
  );
}

/** Next.js's own resources (its live-reload socket among them). */
function isNextDevPath(path: string): boolean {
  return path.includes("/_next") || path.includes("/__nextjs");
}

/** How much of the first chunk is read: Rails writes its words after a few KiB of CSS. */
const SNIFF_BYTES = 16 * 1024;

/** The development server's host check that wrote this answer (its status, its first body chunk), or null. */
export function hostCheckOf(status: number, firstChunk: Buffer): HostCheck | null {
  if (status !== 400 && status !== 403) return null;
  const text = firstChunk.toString("latin1", 0, Math.min(firstChunk.length, SNIFF_BYTES));
  return HOST_CHECKS.find((check) => check.words.test(text)) ?? null;
}

/** A Host header's host name: what the apps' allowed-host lists take. */
function withoutPort(host: string): string {
  return host.replace(/:\d+$/, "");
}

/** Tells a tunnel's owner, once per tunnel, that their app refused the host (owner-notices.ts). */
export class HostRefusalNotices {
  readonly #config: Pick<Env, "BURROW_DASHBOARD_URL">;
  readonly #notices: OwnerNotices;

  constructor(config: Pick<Env, "BURROW_DASHBOARD_URL">, notices: OwnerNotices) {
    this.#config = config;
    this.#notices = notices;
  }

  /** Whether this tunnel's 400 and 403 answers are worth reading: its owner has not been told yet. */
  wanted(tunnel: Tunnel): boolean {
    return !this.#notices.told(tunnel, "host_refused");
  }

  /**
   * An answer the app gave a visitor (not an upgrade's). A host check refuses every request, so
   * one that got through (below 400) means the owner let the host in: the notice goes.
   */
  answered(tunnel: Tunnel, status: number): void {
    if (status < 400) this.#notices.solved(tunnel, "host_refused");
  }

  /** An upgrade the app accepted (101): on Next.js's own paths, its origin check lets the host in. */
  upgraded(tunnel: Tunnel, path: string): void {
    if (isNextDevPath(path)) this.#notices.solved(tunnel, "dev_origin_refused");
  }

  /**
   * Reads an answer's first chunk and tells the owner if it is a host check's refusal. `host` is
   * the visitor's Host header; `sentHost` the one the app got instead, if the name rewrites it.
   */
  check(
    tunnel: Tunnel,
    status: number,
    firstChunk: Buffer,
    host: string,
    sentHost: string | undefined,
  ): void {
    const check = hostCheckOf(status, firstChunk);
    if (!check) return;
    const hostname = withoutPort(host);
    this.#notices.tell(
      tunnel,
      "host_refused",
      sentHost
        ? messages.hostRefusedLocalhost(tunnel.name, check, hostname)
        : messages.hostRefused(this.#config, tunnel.name, check, hostname),
    );
  }

  /**
   * Reads why an upgrade's answer was not HTTP (`error`: Node's parse error, which carries the
   * bytes) and tells the owner if it was Next.js refusing the visitor's origin. `host` is the
   * visitor's Host header: the browser's Origin, which Next checks, names the same host.
   */
  checkUpgrade(tunnel: Tunnel, path: string, error: Error, host: string): void {
    if (this.#notices.told(tunnel, "dev_origin_refused") || !isNextDevRefusal(path, error)) return;
    this.#notices.tell(
      tunnel,
      "dev_origin_refused",
      messages.nextDevOriginRefused(tunnel.name, withoutPort(host)),
    );
  }
}
