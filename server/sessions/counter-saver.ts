import type { Logger } from "../../lib/logger.ts";
import { PeriodicTask } from "../periodic-task.ts";
import type { TunnelRegistry } from "../registry.ts";
import { SshTunnel } from "../ssh/ssh-tunnel.ts";
import { errorText, type LiveCounters, type SessionRecorder } from "./session-recorder.ts";

/**
 * How often running tunnels' counters reach the database. The tunnel page polls every 3 s, so
 * its Requests and In / out figures trail the traffic by a few seconds at most. One statement a
 * tick for every tunnel that saw traffic (none when idle), so a short interval stays cheap.
 */
const COUNTERS_INTERVAL_MS = 2_000;

/**
 * Saves the request and byte counters of running sessions, so the dashboard shows them while the
 * tunnel is up (the end of a session writes its final counters itself). Best effort and off the
 * request path: a failed save is logged once per outage and the next tick writes the newer figures.
 */
export class CounterSaver {
  readonly #registry: TunnelRegistry;
  readonly #sessions: SessionRecorder;
  readonly #logger: Logger;
  /** Requests last saved per session id: tunnels without new requests are skipped. */
  readonly #saved = new Map<string, number>();
  readonly #task = new PeriodicTask(() => this.save(), { intervalMs: COUNTERS_INTERVAL_MS });
  #failing = false;

  constructor(deps: { registry: TunnelRegistry; sessions: SessionRecorder; logger: Logger }) {
    this.#registry = deps.registry;
    this.#sessions = deps.sessions;
    this.#logger = deps.logger;
  }

  start(): void {
    this.#task.start();
  }

  /** Stops saving; waits for a save in progress. */
  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** Writes the counters of every tunnel with requests not saved yet. Never rejects. */
  async save(): Promise<void> {
    const batch: LiveCounters[] = [];
    const live = new Set<string>();
    for (const tunnel of this.#registry.list()) {
      live.add(tunnel.sessionId);
      if (!(tunnel instanceof SshTunnel) || this.#saved.get(tunnel.sessionId) === tunnel.requests) continue;
      batch.push({
        id: tunnel.sessionId,
        requests: tunnel.requests,
        bytesIn: tunnel.bytesIn,
        bytesOut: tunnel.bytesOut,
      });
    }
    for (const id of this.#saved.keys()) if (!live.has(id)) this.#saved.delete(id);
    if (batch.length === 0) return;
    try {
      await this.#sessions.saveCounters(batch);
      for (const counters of batch) this.#saved.set(counters.id, counters.requests);
      if (this.#failing) this.#logger.info("tunnel counters saved again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        this.#logger.warn("tunnel counters not saved, will retry", { error: errorText(error) });
      this.#failing = true;
    }
  }
}
