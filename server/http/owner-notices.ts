import type { Tunnel } from "../registry.ts";

/** What the relay may tell a tunnel's owner about their app, each at most once per tunnel. */
export type NoticeKind =
  | "host_refused"
  | "dev_origin_refused"
  | "loop"
  | "local_address"
  | "local_unreachable"
  | "local_not_http"
  | "local_socks"
  | "local_bad_response";

/** The part of a tunnel notices need: its owner's ssh session (and its identity, as a map key). */
type Owner = Pick<Tunnel, "notify">;

/**
 * Advice for a tunnel's owner about their app (a host check refusing visitors, a tunnel pointed at
 * the relay, redirects to their own computer): written in their ssh session and kept where the
 * tunnel page shows it (`record`: the session's row, null to take it away). Each kind is said once
 * per tunnel, that is per connection of the name: a reconnect starts afresh, and so does a kind
 * whose problem the relay saw fixed (`solved`).
 */
export class OwnerNotices<T extends Owner = Tunnel> {
  /** The notices told and not solved, per tunnel, oldest first: the page shows the newest. */
  readonly #open = new WeakMap<T, Map<NoticeKind, string>>();
  readonly #record: (tunnel: T, notice: string | null) => void;

  constructor(record: (tunnel: T, notice: string | null) => void) {
    this.#record = record;
  }

  /** Whether the owner of `tunnel` has been told this already. */
  told(tunnel: T, kind: NoticeKind): boolean {
    return this.#open.get(tunnel)?.has(kind) ?? false;
  }

  /** Tells the owner, unless they have been told this kind already. */
  tell(tunnel: T, kind: NoticeKind, notice: string): void {
    let open = this.#open.get(tunnel);
    if (open?.has(kind)) return;
    if (!open) {
      open = new Map();
      this.#open.set(tunnel, open);
    }
    open.set(kind, notice);
    tunnel.notify(notice);
    this.#record(tunnel, notice);
  }

  /**
   * The app no longer does what the owner was told about (it answered as it should): the tunnel page
   * stops showing that notice (it shows the newest one still open, if any), and it is told again
   * should the problem come back.
   */
  solved(tunnel: T, kind: NoticeKind): void {
    const open = this.#open.get(tunnel);
    if (!open) return;
    const shown = newest(open);
    if (!open.delete(kind)) return;
    if (shown !== kind) return;
    const next = newest(open);
    this.#record(tunnel, next === null ? null : open.get(next)!);
  }
}

function newest(open: Map<NoticeKind, string>): NoticeKind | null {
  let last: NoticeKind | null = null;
  for (const kind of open.keys()) last = kind;
  return last;
}
