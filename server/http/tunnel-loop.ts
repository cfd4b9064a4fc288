import { randomBytes } from "node:crypto";
import { headerValue } from "../../lib/request-logs/replay-rules.ts";
import type { Tunnel } from "../registry.ts";
import { messages } from "../ssh/messages.ts";
import type { OwnerNotices } from "./owner-notices.ts";
import { type EdgePage, PAGES } from "./pages.ts";

/** Header of RFC 8586, in which each proxy a request crosses appends its own name. */
const CDN_LOOP = "cdn-loop";
/** On the 508 page, the mark of the tunnel the request came back through. */
const LOOP_ANSWER = "burrow-loop";

/**
 * Whether `rawHeaders` carry `mark` in a CDN-Loop header: `CDN-Loop: <id>[; params], …`, possibly
 * on several lines, with the ids of other proxies (a CDN in front of the relay) beside it.
 */
export function carriesLoopMark(rawHeaders: readonly string[], mark: string): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== CDN_LOOP.length || name.toLowerCase() !== CDN_LOOP) continue;
    for (const entry of rawHeaders[i + 1]!.split(",")) {
      const semicolon = entry.indexOf(";");
      if ((semicolon < 0 ? entry : entry.slice(0, semicolon)).trim() === mark) return true;
    }
  }
  return false;
}

/**
 * A tunnel whose ssh -R points at the relay itself (`-R name:80:localhost:8080` on the relay's
 * machine, or at the relay's public address from anywhere) sends each request back to the relay,
 * for the same name, which sends it through the tunnel again: hundreds of nested requests per visit
 * until the visitor gives up, each holding a channel and writing a log row.
 *
 * Every request the relay forwards carries `CDN-Loop: burrow-<mark>`, a random mark per tunnel
 * (per connection of a name), appended to any the visitor's own proxies wrote. A request that comes
 * back with its tunnel's mark is answered 508 at once, and the owner is told, once per tunnel. That
 * answer goes back through the tunnel to the visitor's exchange, which it names (`Burrow-Loop`), so
 * the visitor's row in the log says what happened, and the one that came back is not logged. The
 * mark is the tunnel's own, not the relay's: an app that calls another tunnel on this relay and
 * passes its request's headers on is not a loop. It is random, so a visitor cannot write it
 * (only an app that shows its request headers could give it away, and then only for its own name).
 */
export class TunnelLoops {
  readonly #marks = new WeakMap<Tunnel, string>();
  readonly #notices: OwnerNotices;

  /** The relay's own ports, read when told (listen() has replaced a configured 0 by then). */
  readonly #relayPorts: () => readonly number[];

  constructor(notices: OwnerNotices, relayPorts: () => readonly number[] = () => []) {
    this.#notices = notices;
    this.#relayPorts = relayPorts;
  }

  /** The CDN-Loop value this tunnel's forwarded requests carry. */
  mark(tunnel: Tunnel): string {
    let mark = this.#marks.get(tunnel);
    if (mark === undefined) {
      mark = `burrow-${randomBytes(9).toString("base64url")}`;
      this.#marks.set(tunnel, mark);
    }
    return mark;
  }

  /** Whether this request went through `tunnel` already: it came back from the tunnel's local end. */
  cameBack(tunnel: Tunnel, rawHeaders: readonly string[]): boolean {
    const mark = this.#marks.get(tunnel);
    return mark !== undefined && carriesLoopMark(rawHeaders, mark);
  }

  /** The 508 page for a request that came back through `tunnel`. */
  page(tunnel: Tunnel): EdgePage {
    const page = PAGES.tunnelLoop;
    return { ...page, headers: { ...page.headers, [LOOP_ANSWER]: this.mark(tunnel) } };
  }

  /** Whether the app's answer to a request through `tunnel` is that page: the request came back. */
  answeredByLoop(tunnel: Tunnel, status: number, rawHeaders: readonly string[]): boolean {
    if (status !== PAGES.tunnelLoop.status) return false;
    const mark = this.#marks.get(tunnel);
    return mark !== undefined && headerValue(rawHeaders, LOOP_ANSWER) === mark;
  }

  /** Tells the tunnel's owner, in the ssh session and on the tunnel page, once per tunnel. */
  tell(tunnel: Tunnel): void {
    this.#notices.tell(tunnel, "loop", messages.tunnelLoops(tunnel.name, asTyped(this.#relayPorts())));
  }
}

/** The relay's ports as the owner would have typed them in -R: "localhost:8080 or localhost:8443". */
function asTyped(ports: readonly number[]): string {
  return ports.length > 0 ? ports.map((port) => `localhost:${port}`).join(" or ") : "its HTTP port";
}
