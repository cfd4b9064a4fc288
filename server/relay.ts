import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import type pg from "pg";
import type { Db } from "../lib/db.ts";
import type { Env } from "../lib/env.ts";
import type { Logger } from "../lib/logger.ts";
import type { RelayCommand } from "../lib/relay-control.ts";
import { HEARTBEAT_STALE_MS } from "../lib/relay-heartbeat.ts";
import { createLogAnnouncements } from "../lib/request-logs/announcements.ts";
import { resumeLogDeletions } from "../lib/request-logs/deletions.ts";
import { dropStalePendingReplays, loadReplay, takePendingReplay } from "../lib/request-logs/replay.ts";
import { finishesWithin } from "../lib/time-limit.ts";
import { ControlListener } from "./control/control-listener.ts";
import { Heartbeat } from "./heartbeat.ts";
import { hostKeyFingerprint } from "./host-key.ts";
import type { AccessGate } from "./http/access.ts";
import { type AcmeCertificatesDeps, createAcmeCertificates } from "./http/acme/acme-certificates.ts";
import { createHttpEdge } from "./http/edge.ts";
import { type PoolLimits, poolLimitsFor } from "./http/tunnel-pools.ts";
import { LogRetention, type LogRetentionOptions } from "./log-retention.ts";
import { LOG_SPOOL_FILE } from "./log-spool.ts";
import { PeriodicTask } from "./periodic-task.ts";
import { TunnelRegistry } from "./registry.ts";
import { CounterSaver } from "./sessions/counter-saver.ts";
import { errorText, SessionRecorder } from "./sessions/session-recorder.ts";
import { ConnectionLimits } from "./ssh/connection-limits.ts";
import { messages } from "./ssh/messages.ts";
import { type Keepalive, SshServer } from "./ssh/ssh-server.ts";
import { closeTunnel, type RelayStats } from "./ssh/ssh-tunnel.ts";

export interface RelayDeps {
  db: Db;
  config: Env;
  /** OpenSSH private key text (see host-key.ts). */
  hostKey: string | Buffer;
  logger: Logger;
  /**
   * Connection string for the relay's own plain connections (the control channel's LISTEN, which
   * also holds the one-relay-per-database lock, and the request log pool); defaults to
   * config.DATABASE_URL. Without either, dashboard commands (admin disconnect, access changes) are
   * not received, nothing keeps a second relay off the database, and request logs go through `db`.
   */
  databaseUrl?: string;
  /**
   * A connection to that database already holding the one-relay-per-database lock
   * (control/relay-lock.ts holdRelayLock, taken by `burrow start`/`relay` before migrating): the
   * control channel listens on it instead of connecting and taking the lock itself. The relay owns
   * it from here: close() ends it, also after a failed listen().
   */
  controlClient?: pg.Client;
  /** Who may reach a tunnel; passed to the HTTP edge (every tunnel is public when omitted). */
  access?: AccessGate;
  /** SSH keepalive tuning; the default (10 s × 2) finds dead peers within ~30 s. Tests shorten it. */
  keepalive?: Keepalive;
  /** How long a request waits for a tunnel's SSH client to answer (default 15 s). Tests shorten it. */
  openStreamTimeoutMs?: number;
  /** How long a new SSH connection gets to send its version line (default 30 s). Tests shorten it. */
  handshakeTimeoutMs?: number;
  /** When request-log retention first runs and how often (default: after 1 minute, hourly). Tests shorten it. */
  logRetention?: Pick<LogRetentionOptions, "firstRunMs" | "intervalMs">;
  /** How often log deletions nobody works on are looked for (default 15 s). Tests shorten it. */
  logDeletionCheckMs?: number;
  /**
   * Tunnel pool limits over those BURROW_MAX_APP_CONNECTIONS sets (tunnel-pools.ts): tests shorten
   * the 30 s a request waits for an app connection, and keep the configured count.
   */
  poolLimits?: Partial<PoolLimits>;
  /** ACME certificates' timings (the pause after a failed order, polling, the clock); for tests. */
  acme?: Pick<AcmeCertificatesDeps, "retryAfterFailure" | "renewalCheckMs" | "pollMs" | "now">;
}

/**
 * How often the relay looks for log deletions (Delete all requests, a release) whose process
 * stopped (a dashboard restarted mid-way) and goes on with them: at start, then this often.
 */
const LOG_DELETION_CHECK_MS = 15_000;

/**
 * How long a stop waits for the heartbeat, counters, sweep and retention to finish a write, and
 * for tunnel session ends to be saved: seconds on a database that answers.
 */
const BACKGROUND_STOP_LIMIT_MS = 3_000;

/** Events the relay emits for other parts (the edge, tests). */
export interface RelayEventMap {
  /** The dashboard changed a name's access settings or share links: drop cached access state. */
  "access-changed": [name: string];
  /** A control command arrived (after the relay acted on it; for a replay, once the answer is in). */
  command: [command: RelayCommand];
  /**
   * The control channel's LISTEN started working (true) or was lost (false): while false, dashboard
   * notifications may be missed, so cached access state must not be trusted for long.
   */
  "control-listening": [listening: boolean];
}

export interface RelayPorts {
  sshPort: number;
  httpPort: number;
  httpsPort?: number;
}

export interface Relay {
  /**
   * Listens, then takes the database for this relay: rejects with RelayLockConflict (changing
   * nothing in the database) when another relay runs on it. Call close() after a rejection.
   */
  listen(): Promise<RelayPorts>;
  /** Stops accepting, drains in-flight HTTP requests, ends SSH connections, saves sessions. Idempotent. */
  close(): Promise<void>;
  readonly registry: TunnelRegistry;
  readonly events: EventEmitter<RelayEventMap>;
  /** "SHA256:…" of the host key. */
  readonly hostKeyFingerprint: string;
  /**
   * True while the control channel's LISTEN connection is up, and so this relay holds its database
   * (false while another relay took it during an outage: see control-listener.ts).
   */
  readonly controlListening: boolean;
  /**
   * False while another relay is known to hold this relay's database (it took it during an
   * outage): new forwards are then refused. True while the database is only unreachable.
   */
  readonly holdsDatabase: boolean;
}

/**
 * Builds the relay: SSH server, HTTP edge, the registry between them, control channel and heartbeat.
 * Nothing listens until `listen()`; ports 0 pick free ones. All state lives in the returned object.
 */
export function createRelay(deps: RelayDeps): Relay {
  const { db, logger } = deps;
  // The relay's own copy: once listening, the real ports replace 0s, so the URLs and commands it
  // prints to users are right.
  const config: Env = { ...deps.config };
  const startedAt = new Date();
  /** This process among the relays on the database: its heartbeat row and its sessions carry it. */
  const relayId = randomUUID();
  const fingerprint = hostKeyFingerprint(deps.hostKey);
  const registry = new TunnelRegistry();
  const events = new EventEmitter<RelayEventMap>();
  const stats: RelayStats = { requests: 0 };
  const sessions = new SessionRecorder({ db, logger: logger.child({ part: "sessions" }), relayId });
  const databaseUrl = deps.databaseUrl ?? config.DATABASE_URL;
  // Connects on the first `ssh … logs <name> --follow`: one LISTEN connection for all of them.
  const logFeed = databaseUrl
    ? createLogAnnouncements(databaseUrl, { applicationName: "burrow-relay-follow" })
    : undefined;
  const ssh = new SshServer({
    db,
    config,
    logger: logger.child({ part: "ssh" }),
    registry,
    sessions,
    stats,
    hostKey: deps.hostKey,
    keepalive: deps.keepalive,
    openStreamTimeoutMs: deps.openStreamTimeoutMs,
    handshakeTimeoutMs: deps.handshakeTimeoutMs,
    limits: new ConnectionLimits(config.BURROW_MAX_CONNECTIONS_PER_KEY),
    logFeed,
    // Read at each forward request; the listener is built below (it needs onCommand).
    holdsDatabase: () => control?.holdsLock ?? true,
  });
  // BURROW_ACME_EMAIL: the HTTPS listener's certificates come from Let's Encrypt (or another ACME
  // server), per name, instead of BURROW_TLS_CERT/KEY.
  const certificates = config.BURROW_ACME_EMAIL
    ? createAcmeCertificates({ config, db, registry, logger: logger.child({ part: "tls" }), ...deps.acme })
    : undefined;
  const edge = createHttpEdge({
    registry,
    db,
    config,
    logger: logger.child({ part: "http" }),
    access: deps.access,
    certificates,
    databaseUrl,
    logSpoolFile: join(config.BURROW_DATA_DIR, LOG_SPOOL_FILE),
    poolLimits: { ...poolLimitsFor(config.BURROW_MAX_APP_CONNECTIONS), ...deps.poolLimits },
  });
  const heartbeat = new Heartbeat({
    db,
    logger,
    id: relayId,
    startedAt,
    hostKeyFingerprint: fingerprint,
    registry,
    stats,
    droppedLogs: () => edge.logWriter?.stats().dropped ?? 0,
    sessions,
  });

  const counters = new CounterSaver({ registry, sessions, logger: logger.child({ part: "sessions" }) });

  // Sessions of a relay that died and did not come back as this one (another host, other ports):
  // closed once its heartbeat is stale. Sessions younger than that may belong to a relay that has
  // not written its first beat yet.
  const sweep = new PeriodicTask(
    () =>
      sessions
        .closeAbandoned({ startedBefore: new Date(Date.now() - HEARTBEAT_STALE_MS) })
        .then(
          (count) =>
            count > 0 && logger.info("closed tunnel sessions of a relay that stopped running", { count }),
        )
        .catch((error: unknown) =>
          logger.warn("could not close tunnel sessions of stopped relays", { error: errorText(error) }),
        ),
    { intervalMs: HEARTBEAT_STALE_MS },
  );

  const retention = new LogRetention({
    db,
    logger,
    days: config.BURROW_LOG_RETENTION_DAYS,
    ...deps.logRetention,
  });

  // Deletions the dashboard or the CLI started and could not finish (restarted, killed): the lease
  // on each runs out within a minute, then this goes on from where it stopped.
  const stopDeletions = new AbortController();
  const logDeletions = new PeriodicTask(
    () =>
      resumeLogDeletions(db, { signal: stopDeletions.signal })
        .then(
          (count) =>
            count > 0 && logger.info("request log: finished log deletions left unfinished", { count }),
        )
        .catch((error: unknown) =>
          logger.warn("request log: could not go on with a log deletion, retrying", {
            error: errorText(error),
          }),
        ),
    { intervalMs: deps.logDeletionCheckMs ?? LOG_DELETION_CHECK_MS },
  );

  const onCommand = (command: RelayCommand) => {
    // Sent every few seconds while someone watches a connection: not worth a line each.
    if (command.type === "checkpoint") {
      edge.checkpoint(command.streamKey);
      events.emit("command", command);
      return;
    }
    if (command.type === "key-removed") {
      logger.info("relay command", { type: command.type, keyId: command.keyId });
      for (const connection of ssh.connections) {
        if (connection.keyId !== command.keyId) continue;
        const { tunnels } = connection;
        // Each tunnel says why it closed; the connection ends with the last one (exit status 1).
        for (const tunnel of tunnels) closeTunnel(tunnel, "key_removed", messages.keyRemoved(tunnel.name));
        if (tunnels.length === 0) connection.shutdown("key_removed", messages.connectionKeyRemoved, 1);
      }
      events.emit("command", command);
      return;
    }
    logger.info("relay command", { type: command.type, name: command.name });
    if (command.type === "disconnect") {
      const tunnel = registry.get(command.name);
      if (tunnel && command.cause === "key_removed")
        closeTunnel(tunnel, "key_removed", messages.keyRemoved(command.name));
      else if (tunnel)
        closeTunnel(tunnel, "admin_disconnect", messages.adminDisconnect(command.name, command.reason));
    } else if (command.type === "replay" || command.type === "replay-edited") {
      // The dashboard checked the request before asking; it may have been deleted since.
      const id = command.type === "replay" ? command.id : command.pendingId;
      const read =
        command.type === "replay"
          ? loadReplay(db, command.name, id)
          : takePendingReplay(db, command.name, id);
      void read
        .then((request) => edge.replay(request))
        .catch((error: unknown) =>
          logger.warn("replay not sent", { name: command.name, id, error: errorText(error) }),
        )
        .finally(() => events.emit("command", command));
      return;
    } else if (command.type === "bodies-deleted") {
      edge.bodiesDeleted(command.name);
    } else {
      edge.invalidate(command.name);
      if (command.keepBodies === false) edge.keepingStopped(command.name);
      events.emit("access-changed", command.name);
    }
    events.emit("command", command);
  };
  const control = databaseUrl
    ? new ControlListener({
        databaseUrl,
        logger: logger.child({ part: "control" }),
        onCommand,
        onListening: (listening) => events.emit("control-listening", listening),
        initialClient: deps.controlClient,
      })
    : undefined;

  let closing: Promise<void> | undefined;

  return {
    registry,
    events,
    hostKeyFingerprint: fingerprint,
    get controlListening() {
      return control?.listening ?? false;
    },
    get holdsDatabase() {
      return control?.holdsLock ?? true;
    },

    async listen() {
      // Ports first: a start refused because they are taken (Burrow already running) changes
      // nothing, and the running relay's tunnels stay live in the dashboard.
      const sshPort = await ssh.listen(config.BURROW_SSH_PORT, config.BURROW_LISTEN_HOST);
      const { httpPort, httpsPort } = await edge.listen();
      config.BURROW_SSH_PORT = sshPort;
      config.BURROW_HTTP_PORT = httpPort;
      if (httpsPort !== undefined) config.BURROW_HTTPS_PORT = httpsPort;
      // Then the database, before anything is changed in it: a relay already running on it is
      // left alone, and this one refused (RelayLockConflict; see control/relay-lock.ts).
      if (control) await control.start();
      else
        logger.warn("no DATABASE_URL for the relay control channel: dashboard disconnects will not reach it");
      // Tunnels of a previous run of this relay died with it; its open rows would show them as
      // live forever. Other relays' rows are theirs while they run (see closeAbandoned).
      await sessions
        .closeAbandoned({
          startedBefore: startedAt,
          earlierRunOf: { sshPort, httpPort, hostKeyFingerprint: fingerprint },
        })
        .then(
          (count) => count > 0 && logger.info("closed tunnel sessions left open by the last run", { count }),
        )
        .catch((error: unknown) =>
          logger.warn("could not close stale tunnel sessions (database down?)", { error: errorText(error) }),
        );
      // Edits announced while no relay was listening will never be sent: not kept (a minute's
      // grace for one a running relay is taking right now).
      await dropStalePendingReplays(db, 60_000).catch((error: unknown) =>
        logger.warn("could not drop edited requests left unsent", { error: errorText(error) }),
      );
      heartbeat.start({ sshPort, httpPort });
      sweep.start();
      counters.start();
      retention.start();
      logDeletions.start(0);
      logger.info("relay listening", { sshPort, httpPort, httpsPort, hostKey: fingerprint });
      return httpsPort === undefined ? { sshPort, httpPort } : { sshPort, httpPort, httpsPort };
    },

    close() {
      closing ??= (async () => {
        ssh.stopAccepting();
        // Each waits for a database write under way: a database that stops answering (packets
        // dropped) would hold them forever, and with them the drain, the tunnels' goodbye and the
        // log rows still queued, until the process is abandoned. Those matter more than a last
        // heartbeat or counter write.
        stopDeletions.abort();
        const stopped = Promise.all([
          logDeletions.stop(),
          heartbeat.stop(),
          sweep.stop(),
          counters.stop(),
          retention.stop(),
          control?.stop(),
        ]);
        if (!(await finishesWithin(stopped, BACKGROUND_STOP_LIMIT_MS))) {
          logger.warn("background database writes did not stop (database not answering?): closing anyway");
        }
        // Tunnels stay up while the edge drains, so requests in flight can finish.
        await edge.close();
        ssh.closeConnections("relay_shutdown", messages.relayShutdown);
        await logFeed?.close();
        // Bounded for the same reason; ends not saved are said below and closed at the next start.
        await finishesWithin(sessions.flush(), BACKGROUND_STOP_LIMIT_MS);
        if (sessions.pendingCount > 0) {
          logger.warn("tunnel sessions not saved at shutdown; the next start closes them", {
            count: sessions.pendingCount,
          });
        }
        sessions.stop();
      })();
      return closing;
    },
  };
}
