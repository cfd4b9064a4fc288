import type { Tunnel } from "../registry.ts";

/** What the relay may tell a tunnel's owner about their app, each at most once per tunnel. */
export type NoticeKind = "host_refused" | "dev_origin_refused" | "loop" | "local_address";

/**
 * Advice for a tunnel's owner about their app (a host check refusing visitors, a tunnel pointed at
 * the relay, redirects to their own computer): written in their ssh session and kept where the
 * tunnel page shows it (`record`: the session's row, null to take it away). Each kind is said once
 * per tunnel, that is per connection of the name: a reconnect starts afresh, and so does a kind
 * whose problem the relay saw fixed (`solved`).
 */
export class OwnerNotices {
  readonly #told = new WeakMap<Tunnel, Set<NoticeKind>>();
  /** The kind of the notice the tunnel page shows, per tunnel: the last one told. */
  readonly #shown = new WeakMap<Tunnel, NoticeKind>();
  readonly #record: (tunnel: Tunnel, notice: string | null) => void;

  constructor(record: (tunnel: Tunnel, notice: string | null) => void) {
    this.#record = record;
  }

  /** Whether the owner of `tunnel` has been told this already. */
  told(tunnel: Tunnel, kind: NoticeKind): boolean {
    return this.#told.get(tunnel)?.has(kind) ?? false;
  }

  /** Tells the owner, unless they have been told this kind already. */
  tell(tunnel: Tunnel, kind: NoticeKind, notice: string): void {
    let told = this.#told.get(tunnel);
    if (told?.has(kind)) return;
    if (!told) {
      told = new Set();
      this.#told.set(tunnel, told);
    }
    told.add(kind);
    this.#shown.set(tunnel, kind);
    tunnel.notify(notice);
    this.#record(tunnel, notice);
  }

  /**
   * The app no longer does what the owner was told about (it answered as it should): the tunnel page
   * stops showing that notice, and it is told again should the problem come back.
   */
  solved(tunnel: Tunnel, kind: NoticeKind): void {
    if (!this.#told.get(tunnel)?.delete(kind)) return;
    if (this.#shown.get(tunnel) !== kind) return;
    this.#shown.delete(tunnel);
    this.#record(tunnel, null);
  }
}
