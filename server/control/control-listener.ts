import pg from "pg";
import { endClient } from "../../lib/db/end-client.ts";
import type { Logger } from "../../lib/logger.ts";
import { parseRelayCommand, RELAY_CONTROL_CHANNEL, type RelayCommand } from "../../lib/relay-control.ts";
import { errorText } from "../sessions/session-recorder.ts";
import { withTimeout } from "../ssh/with-timeout.ts";

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

/**
 * LISTENs on the relay control channel with its own connection (LISTEN needs a dedicated session; a
 * pooled Prisma connection would lose it). When the database drops, it reconnects with backoff
 * until stopped; commands sent while it is away are lost, which is acceptable: a missed
 * "disconnect" can be sent again, and `onListening` tells the access cache when notifications may
 * have been missed (it then trusts cached state only briefly, and drops it all on reconnect).
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

  constructor(options: {
    databaseUrl: string;
    logger: Logger;
    onCommand: (command: RelayCommand) => void;
    /** Called when the LISTEN starts working (true) and when it is lost or stopped (false). */
    onListening?: (listening: boolean) => void;
    /** How often the connection must answer (default 10 s; it has half that, at most 5 s). */
    pingIntervalMs?: number;
  }) {
    this.#pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.#url = options.databaseUrl;
    this.#logger = options.logger;
    this.#onCommand = options.onCommand;
    this.#onListening = options.onListening ?? (() => {});
  }

  /** Connects and listens; resolves after the first attempt, whether it worked or is retrying. */
  start(): Promise<void> {
    this.#connected = this.#connect();
    return this.#connected;
  }

  /** True while the LISTEN connection is up (for tests and health output). */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    await this.#connected?.catch(() => {});
    const client = this.#client;
    this.#client = undefined;
    if (client) this.#onListening(false);
    if (client) await endClient(client);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.#url,
      application_name: "burrow-relay-control",
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
    try {
      await client.connect();
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
    } catch (error) {
      onDrop(error instanceof Error ? error : new Error(String(error)));
    }
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
