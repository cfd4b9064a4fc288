import type { Db } from "../../lib/db.ts";
import type { Logger } from "../../lib/logger.ts";
import {
  endSessionsOfStoppedRelays,
  RELAY_GONE,
  type RelayIdentity,
} from "../../lib/tunnel-sessions/stopped-relays.ts";

export interface SessionStart {
  name: string;
  reservationId: string | null;
  userId: string;
  sshKeyId: string;
  clientIp: string;
  randomName: boolean;
}

export interface SessionCounters {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

/** A running session's counters, by its row id. */
export interface LiveCounters extends SessionCounters {
  id: string;
}

interface PendingEnd extends SessionCounters {
  endedAt: Date;
  reason: string;
  reservationId: string | null;
}

/** How often failed end-of-session writes are retried while the database is away. */
const RETRY_INTERVAL_MS = 5_000;

/**
 * Writes TunnelSession rows: one per stretch of uptime of a name. Starting a session awaits the
 * database (a forward without a row is refused, so request logs always have a session to point at);
 * ending one never does: the tunnel is already gone from routing, and a database outage must not
 * stall cleanup or crash the relay, so failed writes are kept and retried.
 */
export class SessionRecorder {
  readonly #db: Db;
  readonly #logger: Logger;
  /** This relay process's id (its heartbeat row's), stored on every session it starts. */
  readonly #relayId: string;
  readonly #pending = new Map<string, PendingEnd>();
  #retryTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  readonly #retryMs: number;
  /** Set by stop(): a write still failing after it is not retried (nor said to be). */
  #stopped = false;

  constructor(deps: { db: Db; logger: Logger; relayId: string; retryMs?: number }) {
    this.#db = deps.db;
    this.#logger = deps.logger;
    this.#relayId = deps.relayId;
    this.#retryMs = deps.retryMs ?? RETRY_INTERVAL_MS;
  }

  /** Inserts the row and returns its id; throws when the database is unreachable. */
  async start(session: SessionStart): Promise<string> {
    const row = await this.#db.tunnelSession.create({
      data: {
        name: session.name,
        reservationId: session.reservationId,
        userId: session.userId,
        sshKeyId: session.sshKeyId,
        clientIp: session.clientIp,
        randomName: session.randomName,
        relayId: this.#relayId,
      },
      select: { id: true },
    });
    if (session.reservationId) this.#touchReservation(session.reservationId);
    return row.id;
  }

  /** Records the end of a session; returns at once, the write happens (and is retried) in the background. */
  end(id: string, reason: string, counters: SessionCounters, reservationId: string | null): void {
    this.#pending.set(id, { ...counters, reason, endedAt: new Date(), reservationId });
    void this.flush();
  }

  /** Writes every pending end now. Resolves (never rejects) once this attempt is over. */
  flush(): Promise<void> {
    // One flush at a time; a call during a flush waits for it and then runs again for newer ends.
    const run = async (): Promise<void> => {
      for (const [id, end] of [...this.#pending]) {
        try {
          await this.#db.tunnelSession.updateMany({
            // Keeps an earlier real end; replaces a sweep's guess (closeAbandoned: relay_restart),
            // since this relay knows how and when its tunnel really ended.
            where: { id, OR: [{ endedAt: null }, { endReason: RELAY_GONE }] },
            data: {
              endedAt: end.endedAt,
              endReason: end.reason,
              requests: end.requests,
              bytesIn: BigInt(end.bytesIn),
              bytesOut: BigInt(end.bytesOut),
            },
          });
          if (end.reservationId) {
            await this.#db.reservation.updateMany({
              where: { id: end.reservationId },
              data: { lastSeenAt: end.endedAt },
            });
          } else {
            // A random name its user reserved while it was up: the reservation saw it last now.
            await this.#db.$executeRaw`
              UPDATE reservations r SET last_seen_at = ${end.endedAt}
              FROM tunnel_sessions s
              WHERE s.id = ${id} AND r.name = s.name AND r.user_id = s.user_id`;
          }
          if (this.#pending.get(id) === end) this.#pending.delete(id);
        } catch (error) {
          if (!this.#stopped) {
            this.#logger.warn("tunnel session end not saved yet, will retry", {
              session: id,
              error: errorText(error),
            });
          }
          this.#scheduleRetry();
          return;
        }
      }
    };
    const previous = this.#flushing ?? Promise.resolve();
    const next = previous.then(run);
    this.#flushing = next;
    void next.finally(() => {
      if (this.#flushing === next) this.#flushing = undefined;
    });
    return next;
  }

  /**
   * Saves live counters of running sessions in one statement, so the dashboard sees traffic before
   * the sessions end. Ended rows are left alone: their end carries the final counters.
   */
  async saveCounters(batch: readonly LiveCounters[]): Promise<void> {
    if (batch.length === 0) return;
    // Bigints travel as text: pg sends JS arrays as PostgreSQL array literals.
    await this.#db.$executeRaw`
      UPDATE tunnel_sessions AS t
      SET requests = v.requests, bytes_in = v.bytes_in, bytes_out = v.bytes_out
      FROM unnest(
        ${batch.map((c) => c.id)}::text[],
        ${batch.map((c) => c.requests)}::int[],
        ${batch.map((c) => String(c.bytesIn))}::bigint[],
        ${batch.map((c) => String(c.bytesOut))}::bigint[]
      ) AS v(id, requests, bytes_in, bytes_out)
      WHERE t.id = v.id AND t.ended_at IS NULL`;
  }

  /**
   * Closes rows whose relay is gone (it crashed or was killed; a clean stop ends its own rows), so
   * the dashboard does not show their tunnels as live forever; this relay's own rows stay. See
   * endSessionsOfStoppedRelays for `startedBefore` and `earlierRunOf` (this relay, at start).
   */
  closeAbandoned(options: { startedBefore: Date; earlierRunOf?: RelayIdentity }): Promise<number> {
    return endSessionsOfStoppedRelays(this.#db, { ...options, exceptRelayId: this.#relayId });
  }

  /**
   * Opens again the rows of these live sessions (this relay's registry) that another relay closed
   * as abandoned: this relay was alive but could not write its heartbeat for a while (its database
   * connection was down). Returns how many. Only sweep-closed rows: a real end is never undone.
   */
  async reopenLive(sessionIds: readonly string[]): Promise<number> {
    if (sessionIds.length === 0) return 0;
    const result = await this.#db.tunnelSession.updateMany({
      where: { id: { in: [...sessionIds] }, relayId: this.#relayId, endReason: RELAY_GONE },
      data: { endedAt: null, endReason: null },
    });
    return result.count;
  }

  /** Number of session ends not yet written. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Stops retrying; call after a last `flush()` on shutdown. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #scheduleRetry(): void {
    if (this.#retryTimer || this.#stopped) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.flush();
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  #touchReservation(reservationId: string): void {
    this.#db.reservation
      .updateMany({ where: { id: reservationId }, data: { lastSeenAt: new Date() } })
      .catch((error: unknown) =>
        this.#logger.warn("reservation last_seen_at not updated", { error: errorText(error) }),
      );
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split("\n").slice(-1)[0]!.slice(0, 300) : String(error);
}
