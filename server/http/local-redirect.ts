import type { Tunnel } from "../registry.ts";
import { messages } from "../ssh/messages.ts";
import type { ForwardedFacts } from "./headers.ts";
import type { OwnerNotices } from "./owner-notices.ts";

/** Host names that always mean "this computer" (RFC 6761 for localhost and *.localhost). */
const LOOPBACK_HOSTNAME = /^(?:localhost|[a-z0-9.-]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;
/** Only absolute URLs (`http://…`, `//…`) name a host; a relative Location stays on the tunnel. */
const ABSOLUTE = /^(?:https?:)?\/\//i;
/** How much of a Location a notice quotes. */
const QUOTED_MAX = 200;

/**
 * A Location on a loopback host (the owner's computer, seen from the app), parsed; null for any
 * other, for relative ones and for the relay's own names (`myapp.localhost` when the relay's
 * domain is localhost, as in a trial on one computer).
 */
export function loopbackLocation(location: string, domain: string): URL | null {
  if (!ABSOLUTE.test(location)) return null;
  let url: URL;
  try {
    url = new URL(location, "http://relay.invalid");
  } catch {
    return null;
  }
  const hostname = url.hostname;
  if (!LOOPBACK_HOSTNAME.test(hostname)) return null;
  if (hostname === domain || hostname.endsWith(`.${domain}`)) return null;
  return url;
}

/**
 * Redirects from a tunnel's app to the owner's own computer (`Location: http://localhost:8000/…`),
 * which no visitor can follow:
 * - When the relay sent the app `Host: localhost` (the name's setting for dev servers), an app that
 *   builds its redirects from the Host answers `http://localhost/…`: the relay caused it, so it puts
 *   the tunnel's address back (what nginx's `proxy_redirect default` does for its upstream).
 * - Any other: an app configured with a local base URL (a WordPress site URL, an APP_URL). It is
 *   passed on as it is (a sign-in flow may mean the visitor's own computer, RFC 8252), and the owner
 *   is told once per tunnel which setting to change.
 */
export class LocalRedirects {
  readonly #domain: string;
  readonly #notices: OwnerNotices;

  constructor(domain: string, notices: OwnerNotices) {
    this.#domain = domain;
    this.#notices = notices;
  }

  /**
   * The app's response headers as the visitor gets them (`raw` itself when nothing changes).
   * `sentHost` is the Host the app got instead of the visitor's, if the name rewrites it.
   */
  forVisitor(tunnel: Tunnel, raw: string[], facts: ForwardedFacts, sentHost: string | undefined): string[] {
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length !== 8 || raw[i]!.toLowerCase() !== "location") continue;
      const url = loopbackLocation(raw[i + 1]!, this.#domain);
      if (!url) return raw;
      const publicOrigin = `${facts.proto}://${facts.host}`;
      if (sentHost !== undefined && url.host === sentHost) {
        const mapped = raw.slice();
        mapped[i + 1] = `${publicOrigin}${url.pathname}${url.search}${url.hash}`;
        return mapped;
      }
      if (!this.#notices.told(tunnel, "local_redirect")) {
        const quoted = url.href.length > QUOTED_MAX ? `${url.href.slice(0, QUOTED_MAX)}…` : url.href;
        this.#notices.tell(
          tunnel,
          "local_redirect",
          messages.localRedirect(tunnel.name, quoted, publicOrigin),
        );
      }
      return raw;
    }
    return raw;
  }
}
