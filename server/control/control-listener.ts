import pg from "pg";
import { endClient } from "../../lib/db/end-client.ts";
import type { Logger } from "../../lib/logger.ts";
import { parseRelayCommand, RELAY_CONTROL_CHANNEL, type RelayCommand } from "../../lib/relay-control.ts";
import { describeHolder, type RelayLockHolder } from "../../lib/relay-lock-holder.ts";
import { errorText } from "../sessions/session-recorder.ts";
import { withTimeout } from "../ssh/with-timeout.ts";
import {
  controlApplicationName,
  LOCK_START_WAIT_MS,
  type LockAttempt,
  RelayLockConflict,
  takeRelayLock,
} from "./relay-lock.ts";

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;
/**
 * How often the LISTEN connection is asked to answer, and how long it may take. TCP keepalive
 * alone notices a connection that carries nothing any more (a failover, a NAT that forgot it, a
 * database that stopped answering) after the kernel's two hours and more: meanwhile an admin's
 * Disconnect, a disabled user or a removed key would do nothing.
 */
const PING_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
/** How often a relay whose lock another relay took asks for it again. */
const LOCK_RETRY_MS = 2_000;

/**
 * LISTENs on the relay control channel with its own connection (LISTEN needs a dedicated session; a
 * pooled Prisma connection would lose it). When the database drops, it reconnects with backoff
 * until stopped; commands sent while it is away are lost, which is acceptable: a missed
 * "disconnect" can be sent again, and `onListening` tells the access cache when notifications may
 * have been missed (it then trusts cached state only briefly, and drops it all on reconnect).
 *
 * The same session holds the relay lock (relay-lock.ts): one relay per database, and commands are
 * carried out only by the relay that holds it. `start()` refuses when another relay holds it. A
 * relay that got its connection back after an outage takes the lock again; if another relay took
 * it meanwhile, this one says so loudly, keeps its tunnels serving, hears no commands, and tries
 * again at every reconnect until it has the lock back (the other relay stopped).
 */
export class ControlListener {
  readonly #url: string;
  readonly #logger: Logger;
  readonly #onCommand: (command: RelayCommand) => void;
  readonly #onListening: (listening: boolean) => void;
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = RECONNECT_MIN_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #connected: Promise<void> | undefined;
  readonly #pingIntervalMs: number;
  #pingTimer: NodeJS.Timeout | undefined;
  readonly #applicationName = controlApplicationName();
  readonly #lockStaleMs: number | undefined;
  /** Backends of this listener's sessions that held the lock: one still holding it has stalled. */
  readonly #ownBackends = new Set<number>();
  /** Set while another relay holds the lock this one had (said once per such stretch). */
  #lostTo: RelayLockHolder | undefined;
  /** A session already holding the lock (relay-lock.ts holdRelayLock), until the first connect takes it. */
  #initialClient: pg.Client | undefined;

  constructor(options: {
    databaseUrl: string;
    logger: Logger;
    onCommand: (command: RelayCommand) => void;
    /** Called when the LISTEN starts working (true) and when it is lost or stopped (false). */
    onListening?: (listening: boolean) => void;
    /** How often the connection must answer (default 10 s; it has half that, at most 5 s). */
    pingIntervalMs?: number;
    /** After how long silent a lock holder counts as gone (default LOCK_STALE_MS; tests shorten it). */
    lockStaleMs?: number;
    /**
     * A connection that already holds the relay lock (holdRelayLock, taken before the relay
     * migrated): listened on as it is, so the lock is never let go between the start's check and
     * the relay listening. Ended by stop(), also when start() never ran. Without it the listener
     * connects and takes the lock itself. Reconnects after a drop always make a new connection.
     */
    initialClient?: pg.Client;
  }) {
    this.#initialClient = options.initialClient;
    this.#pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.#lockStaleMs = options.lockStaleMs;
    this.#url = options.databaseUrl;
    this.#logger = options.logger;
    this.#onCommand = options.onCommand;
    this.#onListening = options.onListening ?? (() => {});
  }

  /**
   * Connects, takes the relay lock and listens; resolves after the first attempt, whether it worked
   * or is retrying (the database unreachable). Rejects with RelayLockConflict, and stops, when
   * another relay that still answers holds the lock.
   */
  start(): Promise<void> {
    this.#connected = this.#connect(true);
    return this.#connected;
  }

  /** True while the LISTEN connection is up (for tests and health output). */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  /**
   * False while another relay is known to hold the database this one had (it took it during an
   * outage): this relay must then give out no names, or one reserved name could be served by both.
   * True otherwise, also while the database is only unreachable (no other holder known).
   */
  get holdsLock(): boolean {
    return this.#lostTo === undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    await this.#connected?.catch(() => {});
    // Handed over but never listened on (the relay failed to start before start()): its lock goes too.
    const unused = this.#initialClient;
    this.#initialClient = undefined;
    if (unused) await endClient(unused);
    const client = this.#client;
    this.#client = undefined;
    if (client) this.#onListening(false);
    if (client) await endClient(client);
  }

  async #connect(first = false): Promise<void> {
    if (this.#stopped) return;
    const held = this.#initialClient;
    this.#initialClient = undefined;
    const client =
      held ??
      new pg.Client({
        connectionString: this.#url,
        application_name: this.#applicationName,
        connectionTimeoutMillis: 5_000,
        // Detect a dead server connection even when no notification is due.
        keepAlive: true,
      });
    let dropped = false;
    const onDrop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      clearInterval(this.#pingTimer);
      if (this.#client === client) {
        this.#client = undefined;
        this.#onListening(false);
      }
      client.end().catch(() => {});
      if (this.#stopped) return;
      this.#logger.warn("relay control channel lost, reconnecting", {
        error: error ? errorText(error) : undefined,
        retryMs: this.#retryMs,
      });
      this.#scheduleReconnect();
    };
    client.on("error", onDrop);
    client.on("end", () => onDrop());
    client.on("notification", (message) => {
      if (message.channel !== RELAY_CONTROL_CHANNEL || !message.payload) return;
      const command = parseRelayCommand(message.payload);
      if (command) this.#onCommand(command);
    });
    let refused: RelayLockConflict | undefined;
    try {
      let attempt: LockAttempt = { taken: true };
      if (!held) {
        await client.connect();
        attempt = await takeRelayLock(client, {
          isOwnSession: (holder) =>
            holder.applicationName === this.#applicationName && this.#ownBackends.has(holder.backendPid),
          staleAfterMs: this.#lockStaleMs,
          waitMs: first ? LOCK_START_WAIT_MS : 0,
        });
      }
      if (!attempt.taken) {
        // No lost connection to report when it ends.
        dropped = true;
        await endClient(client);
        if (!first) {
          this.#lockHeldElsewhere(attempt.holder);
          // The database answers: no backoff, this relay takes over soon after the other stops.
          this.#retryMs = LOCK_RETRY_MS;
          this.#scheduleReconnect();
          return;
        }
        this.#stopped = true;
        refused = new RelayLockConflict(attempt.holder, this.#url);
      } else {
        this.#lockTaken(attempt.tookOverFrom);
        const backend = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        if (backend.rows[0]) this.#ownBackends.add(backend.rows[0].pid);
        await client.query(`LISTEN ${pg.escapeIdentifier(RELAY_CONTROL_CHANNEL)}`);
        if (this.#stopped) {
          await endClient(client);
          return;
        }
        this.#client = client;
        this.#retryMs = RECONNECT_MIN_MS;
        this.#onListening(true);
        this.#pingTimer = setInterval(() => {
          const timeoutMs = Math.min(PING_TIMEOUT_MS, this.#pingIntervalMs / 2);
          withTimeout(client.query("SELECT 1"), timeoutMs, "a check of the connection").catch(
            (error: unknown) => onDrop(error instanceof Error ? error : new Error(String(error))),
          );
        }, this.#pingIntervalMs);
        this.#pingTimer.unref();
      }
    } catch (error) {
      onDrop(error instanceof Error ? error : new Error(String(error)));
    }
    if (refused) throw refused;
  }

  /** Says a takeover from a relay found gone, and the end of a stretch without the lock. */
  #lockTaken(tookOverFrom: RelayLockHolder | undefined): void {
    if (tookOverFrom && !this.#ownBackends.has(tookOverFrom.backendPid)) {
      this.#logger.warn("took the database over from a relay that stopped answering", {
        holder: describeHolder(tookOverFrom),
      });
    }
    if (this.#lostTo) {
      this.#lostTo = undefined;
      this.#logger.info("this relay holds its database again: it carries out the dashboard's commands again");
    }
  }

  /**
   * Another relay took the lock while this one's connection was down (started during the outage,
   * or took this one for gone). Said once per stretch, as an error: two relays now serve the
   * same database. Stopping the tunnels of this one would cut its users off for the operator's
   * mistake, so it keeps them, and leaves the commands to the relay holding the lock.
   */
  #lockHeldElsewhere(holder: RelayLockHolder | undefined): void {
    const first = this.#lostTo === undefined;
    this.#lostTo = holder ?? { backendPid: 0, applicationName: "" };
    if (!first) return;
    this.#logger.error(
      "another relay took this relay's database while its connection was down: this relay keeps " +
        "serving its open tunnels but no longer carries out the dashboard's commands until it " +
        "gets the database back; stop one of the two relays (two relays must not share a database)",
      { holder: describeHolder(holder) },
    );
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#connected = this.#connect();
    }, this.#retryMs);
    this.#retryTimer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
  }
}
