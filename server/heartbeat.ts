import type { Db } from "../lib/db.ts";
import type { Logger } from "../lib/logger.ts";
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_STALE_MS } from "../lib/relay-heartbeat.ts";
import { PeriodicTask } from "./periodic-task.ts";
import type { TunnelRegistry } from "./registry.ts";
import { errorText, type SessionRecorder } from "./sessions/session-recorder.ts";
import type { RelayStats } from "./ssh/ssh-tunnel.ts";
import { withTimeout } from "./ssh/with-timeout.ts";

const RATE_WINDOW_MS = 60_000;
const STOP_TIMEOUT_MS = 2_000;

export interface HeartbeatOptions {
  db: Db;
  logger: Logger;
  /** Per-process id: several relays (or restarts) each keep their own row. */
  id: string;
  startedAt: Date;
  hostKeyFingerprint: string;
  registry: TunnelRegistry;
  stats: RelayStats;
  /** Request log rows dropped so far (0 when the log writer cannot tell). */
  droppedLogs: () => number;
  /** Reopens this relay's live sessions another relay closed while this one could not beat. */
  sessions?: Pick<SessionRecorder, "reopenLive">;
}

/**
 * Every ~10 s: upserts this relay's `relay_heartbeats` row (the admin health page reads it).
 * Failures are logged and retried on the next beat; nothing here is on the request path. (Tunnels'
 * live counters are saved more often, by sessions/counter-saver.ts.)
 *
 * The page shows every row of the last day, so rows of relays that are gone for good must not pile
 * up as "down" (before, each restart of `npm start` left one): a clean stop deletes the relay's own
 * row, and each beat deletes the stale rows of earlier runs of this relay (same ports and host key;
 * a peer relay with the same identity elsewhere still beats, so its row is never stale). A relay
 * whose beats stopped for a while (its database connection down) may have had its live sessions
 * closed by another relay's sweep (closeAbandoned); each beat opens those again.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #task = new PeriodicTask(() => this.beat(), { intervalMs: HEARTBEAT_INTERVAL_MS });
  #ports = { sshPort: 0, httpPort: 0 };
  #samples: { at: number; requests: number }[] = [];

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  /** Beats now (the health page sees a new relay at once), then every interval. */
  start(ports: { sshPort: number; httpPort: number }): void {
    this.#ports = ports;
    this.#task.start(0);
  }

  /** Stops beating (waits for a beat in progress) and removes this relay's row: it is not down, it stopped. */
  async stop(): Promise<void> {
    await this.#task.stop();
    try {
      // Bounded: a relay shutting down while its database is unreachable must not wait on it.
      await withTimeout(
        this.#options.db.relayHeartbeat.deleteMany({ where: { id: this.#options.id } }),
        STOP_TIMEOUT_MS,
        "removing the heartbeat row",
      );
    } catch (error) {
      this.#options.logger.warn("relay heartbeat not removed", { error: errorText(error) });
    }
  }

  /** Requests per minute over the last minute (scaled up while the relay is younger than that). */
  requestsPerMinute(now = Date.now()): number {
    const requests = this.#options.stats.requests;
    this.#samples.push({ at: now, requests });
    while (this.#samples.length > 1 && now - this.#samples[0]!.at > RATE_WINDOW_MS) this.#samples.shift();
    const oldest = this.#samples[0]!;
    const span = now - oldest.at;
    if (span <= 0) return 0;
    return Math.round(((requests - oldest.requests) * RATE_WINDOW_MS) / span);
  }

  async beat(): Promise<void> {
    const o = this.#options;
    const now = new Date();
    const row = {
      seenAt: now,
      hostKeyFingerprint: o.hostKeyFingerprint,
      sshPort: this.#ports.sshPort,
      httpPort: this.#ports.httpPort,
      tunnels: o.registry.size,
      requestsPerMinute: this.requestsPerMinute(now.getTime()),
      droppedLogs: o.droppedLogs(),
    };
    try {
      await o.db.relayHeartbeat.upsert({
        where: { id: o.id },
        create: { id: o.id, startedAt: o.startedAt, ...row },
        update: row,
      });
      await o.db.relayHeartbeat.deleteMany({
        where: {
          id: { not: o.id },
          sshPort: row.sshPort,
          httpPort: row.httpPort,
          hostKeyFingerprint: row.hostKeyFingerprint,
          seenAt: { lt: new Date(now.getTime() - HEARTBEAT_STALE_MS) },
        },
      });
      // Beating again after beats were missed: another relay may have taken this one for gone.
      const reopened = await o.sessions?.reopenLive(o.registry.list().map((tunnel) => tunnel.sessionId));
      if (reopened) {
        o.logger.info(
          "tunnel sessions closed by another relay while this one could not beat are open again",
          {
            count: reopened,
          },
        );
      }
    } catch (error) {
      o.logger.warn("relay heartbeat not written", { error: errorText(error) });
    }
  }
}
