import { isLoopbackHost } from "../../lib/forwarding/ip-address.ts";
import { decodableEncoding, decompressStart } from "../../lib/request-logs/decompress.ts";
import { headerValue } from "../../lib/request-logs/replay-rules.ts";
import type { Tunnel } from "../registry.ts";
import { messages } from "../ssh/messages.ts";
import type { ForwardedFacts } from "./headers.ts";
import type { OwnerNotices } from "./owner-notices.ts";

/** Only absolute URLs (`http://…`, `//…`) name a host; a relative Location stays on the tunnel. */
const ABSOLUTE = /^(?:https?:)?\/\//i;
/** How much of an address a notice quotes. */
const QUOTED_MAX = 200;
/** How many of a tunnel's HTML pages have their start read for links to the owner's computer. */
const PAGES_READ = 20;
/** How much of a page's start is read (decoded, when the app compresses it). */
const PAGE_BYTES = 16 * 1024;
/** An attribute of a page naming an absolute URL: `href="http://localhost:8000/…"`, `src='//…'`. */
const PAGE_URL = /\b(?:href|src|action)\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi;

/**
 * A Location on a loopback host (the owner's computer, seen from the app), parsed; null for any
 * other, for relative ones and for the relay's own names (`myapp.localhost` when the relay's
 * domain is localhost, as in a trial on one computer).
 */
export function loopbackLocation(location: string, domain: string): URL | null {
  const url = absoluteUrl(location);
  if (!url) return null;
  const hostname = url.hostname;
  if (!isLoopbackHost(hostname)) return null;
  if (hostname === domain || hostname.endsWith(`.${domain}`)) return null;
  return url;
}

/** An absolute http(s) URL (or a scheme-relative one), parsed; null for anything else. */
function absoluteUrl(location: string): URL | null {
  if (!ABSOLUTE.test(location)) return null;
  try {
    return new URL(location, "http://relay.invalid");
  } catch {
    return null;
  }
}

/** The first link, asset or form of a page's HTML that points at a loopback host (see loopbackLocation). */
export function loopbackLink(html: string, domain: string): URL | null {
  for (const match of html.matchAll(PAGE_URL)) {
    const url = loopbackLocation(match[1]!, domain);
    if (url) return url;
  }
  return null;
}

function quoted(url: URL): string {
  return url.href.length > QUOTED_MAX ? `${url.href.slice(0, QUOTED_MAX)}…` : url.href;
}

/**
 * Addresses on the owner's own computer that a tunnel's app gives visitors, who cannot follow them:
 * - Redirects (`Location: http://localhost:8000/…`). When the relay sent the app `Host: localhost`
 *   (the name's setting for dev servers), an app that builds its redirects from the Host answers
 *   `http://localhost/…`: the relay caused it, so it puts the tunnel's address back (what nginx's
 *   `proxy_redirect default` does for its upstream). Any other is passed on as it is (a sign-in
 *   flow may mean the visitor's own computer, RFC 8252).
 * - Links and assets in its pages (a WordPress site URL or a Laravel APP_URL of
 *   `http://localhost:8000`: the page loads without its styles). Pages are passed on untouched; the
 *   start of a tunnel's first PAGES_READ HTML pages is read, after they went out.
 * Either way the owner is told once per tunnel which setting to change.
 */
export class LocalAddresses {
  readonly #domain: string;
  readonly #notices: OwnerNotices;
  readonly #pagesRead = new WeakMap<Tunnel, number>();

  constructor(domain: string, notices: OwnerNotices) {
    this.#domain = domain;
    this.#notices = notices;
  }

  /**
   * A redirect's headers as the visitor gets them (`raw` itself when nothing changes). `sentHost` is
   * the Host the app got instead of the visitor's, if the name rewrites it.
   */
  forVisitor(tunnel: Tunnel, raw: string[], facts: ForwardedFacts, sentHost: string | undefined): string[] {
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length !== 8 || raw[i]!.toLowerCase() !== "location") continue;
      const publicOrigin = `${facts.proto}://${facts.host}`;
      // Checked before loopbackLocation, which passes the relay's own names: with the default
      // domain (localhost) the Host sent, "localhost", is one of them.
      const sent = sentHost === undefined ? null : absoluteUrl(raw[i + 1]!);
      if (sent && sent.host === sentHost) {
        const mapped = raw.slice();
        mapped[i + 1] = `${publicOrigin}${sent.pathname}${sent.search}${sent.hash}`;
        return mapped;
      }
      const url = loopbackLocation(raw[i + 1]!, this.#domain);
      if (!url) return raw;
      this.#notices.tell(
        tunnel,
        "local_address",
        messages.localRedirect(tunnel.name, quoted(url), publicOrigin),
      );
      return raw;
    }
    return raw;
  }

  /** Whether the start of this answer is to be read (checkPage): an HTML page, while still looking. */
  wantsPage(tunnel: Tunnel, status: number, raw: readonly string[]): boolean {
    if (status !== 200 || this.#notices.told(tunnel, "local_address")) return false;
    const read = this.#pagesRead.get(tunnel) ?? 0;
    if (read >= PAGES_READ || !headerValue(raw, "content-type")?.toLowerCase().startsWith("text/html")) {
      return false;
    }
    this.#pagesRead.set(tunnel, read + 1);
    return true;
  }

  /**
   * Reads a page's first chunk (decoded off the event loop when compressed) and tells the owner if
   * it links to their computer. Never throws; the page has gone to the visitor regardless.
   */
  checkPage(
    tunnel: Tunnel,
    firstChunk: Buffer,
    raw: readonly string[],
    facts: ForwardedFacts,
    sentHost: string | undefined,
  ): void {
    const tell = (text: string) => {
      const url = loopbackLink(text, this.#domain);
      if (!url) return;
      const publicOrigin = `${facts.proto}://${facts.host}`;
      const fromHost = sentHost !== undefined && url.host === sentHost;
      this.#notices.tell(
        tunnel,
        "local_address",
        messages.localLink(tunnel.name, quoted(url), publicOrigin, fromHost),
      );
    };
    const coding = headerValue(raw, "content-encoding")?.trim().toLowerCase();
    if (!coding || coding === "identity") {
      tell(firstChunk.toString("latin1", 0, Math.min(firstChunk.length, PAGE_BYTES)));
      return;
    }
    if (decodableEncoding(raw) === null) return;
    // Copied: the chunk's memory may be reused once it is written.
    void decompressStart(Buffer.from(firstChunk), coding, PAGE_BYTES).then((text) => {
      if (text) tell(text.toString("latin1"));
    });
  }
}
