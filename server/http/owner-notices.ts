import type { Tunnel } from "../registry.ts";

/** What the relay may tell a tunnel's owner about their app, each at most once per tunnel. */
export type NoticeKind = "host_refused" | "loop" | "local_redirect";

/**
 * Advice for a tunnel's owner about their app (a host check refusing visitors, a tunnel pointed at
 * the relay, redirects to their own computer): written in their ssh session and kept where the
 * tunnel page shows it (`record`: the session's row). Each kind is said once per tunnel, that is per
 * connection of the name: a reconnect, after a fix, starts afresh.
 */
export class OwnerNotices {
  readonly #told = new WeakMap<Tunnel, Set<NoticeKind>>();
  readonly #record: (tunnel: Tunnel, notice: string) => void;

  constructor(record: (tunnel: Tunnel, notice: string) => void) {
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
    tunnel.notify(notice);
    this.#record(tunnel, notice);
  }
}
