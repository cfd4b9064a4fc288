import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { Connection, SocketBindInfo, TcpipBindInfo } from "ssh2";
import type { Db } from "../../lib/db.ts";
import { type Env, tunnelUrl } from "../../lib/env.ts";
import { plainAddress } from "../../lib/forwarding/ip-address.ts";
import type { Logger } from "../../lib/logger.ts";
import type { LogAnnouncements } from "../../lib/request-logs/announcements.ts";
import { burrowPorts, defaultLocalPort, relayAddress, sshCommand } from "../../lib/web/connect-command.ts";
import { truncate } from "../../lib/web/format.ts";
import type { TunnelRegistry } from "../registry.ts";
import { errorText, type SessionRecorder } from "../sessions/session-recorder.ts";
import { type AuthenticatedKey, createAuthHandler } from "./authenticate.ts";
import { claimName } from "./claim-name.ts";
import { commandHelp, commandTypedInConsole, runCommand } from "./commands.ts";
import type { ConnectionLimits, KeyConnection } from "./connection-limits.ts";
import { connectionBudgets, guardAgainstFloods } from "./flood-guard.ts";
import {
  describeBind,
  type ForwardBind,
  type ForwardRequest,
  parseStreamLocalForward,
  parseTcpipForward,
  sameBind,
  typedTcpipForward,
} from "./forward-request.ts";
import { messages } from "./messages.ts";
import { disconnectWithMessage, refuseChannelTypes, sendPing } from "./protocol-messages.ts";
import { closeTunnel, type RelayStats, SshTunnel, type TunnelOwner } from "./ssh-tunnel.ts";
import { Terminal } from "./terminal.ts";
import { databaseTrouble, withTimeout } from "./with-timeout.ts";

export interface ConnectionDeps {
  db: Db;
  config: Env;
  logger: Logger;
  registry: TunnelRegistry;
  sessions: SessionRecorder;
  stats: RelayStats;
  limits: ConnectionLimits;
  /** Where new request log rows are announced, for `ssh … logs <name> --follow`; it polls without. */
  logFeed?: LogAnnouncements;
  /** How long a visitor's channel waits for the client to answer (ssh-tunnel.ts); tests shorten it. */
  openStreamTimeoutMs?: number;
  /**
   * False while another relay is known to hold this relay's database (control-listener.ts
   * holdsLock): new forwards are refused then. Always true when omitted.
   */
  holdsDatabase?: () => boolean;
}

/** An unauthenticated connection is dropped after this long. */
const AUTH_TIMEOUT_MS = 30_000;
/** How long a refusal waits for the client's session to open, so the reason can be printed there. */
const REFUSAL_GRACE_MS = 500;
/** How long a refusal's console line leads the failure reply (see #refuse). */
const REFUSAL_LINE_LEAD_MS = 150;
/** After the console closes, how long the client gets to disconnect by itself. */
const SESSION_CLOSE_GRACE_MS = 1_000;
/** After ending a connection, the socket is destroyed if the peer has not closed it (a stopped client). */
const FORCE_CLOSE_MS = 3_000;
/**
 * The same for a client dropped because it stopped answering (a laptop asleep): its socket stays
 * open this long, so that the client, woken, reads why (the DISCONNECT's reason) instead of
 * failing to write to a closed socket ("Broken pipe"). It closes as soon as the client does; the
 * kernel gives up sooner on a peer that never comes back (~15 min of retransmissions is Linux's).
 */
const SILENT_CLIENT_GRACE_MS = 10 * 60_000;
/**
 * How long after its console opens a connection without any -R is told what it is missing and
 * closed. OpenSSH sends its -R requests before it opens the session, so they have arrived by then.
 */
const NO_FORWARDS_HINT_MS = 1_000;
/** The same for a connection without a console (ssh -N): nothing orders its requests, so wait longer. */
const NO_FORWARDS_TIMEOUT_MS = 5_000;
const CLAIM_TIMEOUT_MS = 5_000;
/** Where port-0 forwards get their "allocated" ports when 80 is taken on the same connection. */
const FIRST_SPARE_PORT = 1024;
/** Channels a client opens to reach through the relay: -L and -D (direct-tcpip), -W, and -L to a socket. */
const REFUSED_CHANNEL_TYPES = ["direct-tcpip", "direct-streamlocal@openssh.com"] as const;

/** Longest forward spec echoed back: a 5,000-character -R would fill the user's terminal. */
const MAX_SHOWN_FORWARD = 80;

interface Reply {
  accept(port?: number): void;
  reject(): void;
}

/**
 * One SSH connection, from the first byte to cleanup: authentication, forward requests (handled one
 * at a time, in order), the session console, and the tunnels it serves. `shutdown` is the single
 * exit; it is idempotent and runs on close, end, error, takeover, admin disconnect and relay stop.
 */
export class RelayConnection implements TunnelOwner, KeyConnection {
  readonly client: Connection;
  readonly ip: string;
  readonly #socket: Socket;
  readonly #deps: ConnectionDeps;
  #log: Logger;
  #key: AuthenticatedKey | undefined;
  readonly #tunnels = new Set<SshTunnel>();
  readonly #terminal: Terminal;
  readonly #authTimer: NodeJS.Timeout;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Forward requests (-R) received, accepted or not. */
  #forwardRequests = 0;
  /** Forward requests refused with a reason (#refuse). */
  #forwardsRefused = 0;
  #closed = false;
  /** Why tunnels end if the connection drops on its own (e.g. a keepalive timeout). */
  #dropReason = "client_closed";
  /** The client stopped answering and was dropped for it: nothing more will come from it. */
  #silent = false;
  readonly #onClosed: (connection: RelayConnection) => void;
  /** Callers of answers() waiting now; each settles itself (true: the client said something). */
  readonly #answerWaiters = new Set<(answered: boolean) => void>();
  readonly #answered = (): void => {
    for (const settle of [...this.#answerWaiters]) settle(true);
  };

  constructor(
    client: Connection,
    socket: Socket,
    deps: ConnectionDeps,
    onClosed: (connection: RelayConnection) => void,
    /** The client a load balancer's PROXY header named; the socket's own peer otherwise. */
    peer?: { address: string; port: number },
  ) {
    this.client = client;
    this.#socket = socket;
    // "127.0.0.1", not "::ffff:127.0.0.1": this is what the dashboard shows and throttles key on.
    this.ip = plainAddress(peer?.address ?? socket.remoteAddress ?? "unknown");
    this.#deps = deps;
    this.#onClosed = onClosed;
    this.#log = deps.logger.child({ ip: this.ip, port: peer?.port ?? socket.remotePort });
    // The dashboard's Connect card's port: 8000, or the next one up when Burrow listens there.
    const appPort = defaultLocalPort(burrowPorts(deps.config));
    const example = sshCommand({ name: "myapp", ...relayAddress(deps.config) }, appPort);
    this.#terminal = new Terminal({
      // OpenSSH sends its -R requests before it opens the session: a console without any has no
      // tunnels to close, and is told what it is missing in a moment (onConsoleOpen).
      greeting: () => [
        `Burrow relay: signed in as ${this.#key?.email ?? "?"} (key "${this.#key?.label || this.#key?.fingerprint}").`,
        ...(this.#forwardRequests > 0 ? [messages.quitHint] : []),
      ],
      // ssh2 opens no session before authentication, so the key is set; checked all the same.
      exec: async (command, output) => {
        const userId = this.#key?.userId;
        if (!userId) return { text: "Burrow: sign in with your key first.", code: 1 };
        const result = await runCommand(command, {
          db: deps.db,
          config: deps.config,
          userId,
          appPort,
          timeoutMs: CLAIM_TIMEOUT_MS,
          logger: this.#log,
          output,
          feed: deps.logFeed,
        });
        // `ssh -R … relay names`: a quick command ends before its -R is answered. The answer comes
        // first (a refusal is printed on the command's stderr), and when every -R was refused the
        // exit status says so, as a script running `ssh -R … host cmd` expects.
        await this.#forwardsAnswered();
        const allRefused = this.#forwardRequests > 0 && this.#forwardsRefused === this.#forwardRequests;
        return allRefused && result.code === 0 ? { ...result, exitStatus: 1 } : result;
      },
      help: () => commandHelp(deps.config, appPort),
      commandTyped: (line) => commandTypedInConsole(deps.config, line),
      onConsoleOpen: () => {
        // A moment after the console opens still no -R means the user left it out: say what is
        // missing and close, rather than leave a console that can only say "signed in" (GitHub's
        // ssh and sish's unbound-connection cleanup do the same).
        setTimeout(() => {
          if (this.#closed || this.#forwardRequests > 0) return;
          // Two lines: the console prints one line at a time and shows control characters as "?".
          this.print(messages.noForwards);
          this.print(`  ${example}`);
          this.print(messages.relayHelp(deps.config));
          this.shutdown("no_forwards", undefined, 1);
        }, NO_FORWARDS_HINT_MS).unref();
      },
      onQuit: () => this.shutdown("client_closed", "Closing your tunnels. Bye.", 0),
    });
    this.#authTimer = setTimeout(() => {
      if (!this.#key) this.shutdown("auth_timeout");
    }, AUTH_TIMEOUT_MS);
    this.#authTimer.unref();
    // -L / -D / -W would use the relay as a jump host into its own network: never. Refused with
    // the reason in the open failure, which ssh prints even with -N (no session to print to).
    // Installed before the flood guard, which then wraps it: a flood of opens is still cut off.
    const explained = refuseChannelTypes(client, REFUSED_CHANNEL_TYPES, messages.channelRefused, () =>
      this.print(messages.channelRefused),
    );
    if (!explained) this.#log.warn("ssh2 internals changed: -L/-D/-W are refused without a reason");
    const guarded = guardAgainstFloods(
      client,
      connectionBudgets(deps.config.BURROW_MAX_FORWARDS_PER_CONNECTION),
      (kind) => {
        this.#log.warn("ssh client flooded the relay; disconnecting", { kind });
        this.shutdown("flood", messages.flood(kind));
      },
    );
    if (!guarded) this.#log.warn("ssh2 internals changed: no flood limits on this connection");

    client.on(
      "authentication",
      createAuthHandler(deps, client, this.ip, this, (key) => {
        this.#key = key;
        this.#log = this.#log.child({ user: key.userId, key: key.fingerprint });
      }),
    );
    client.on("ready", () => {
      clearTimeout(this.#authTimer);
      this.#log.info("ssh client authenticated");
      // ssh -N without -R (or a client that never asks for anything) would hold one of the key's
      // connections forever, silently: end it with the reason.
      setTimeout(() => {
        // A command (ssh relay logs myapp -f) is why this connection is here.
        if (
          this.#closed ||
          this.#forwardRequests > 0 ||
          this.#terminal.hasConsole ||
          this.#terminal.hasCommand
        )
          return;
        this.shutdown("no_forwards", `${messages.noForwards} ${example}; ${messages.relayHelp(deps.config)}`);
      }, NO_FORWARDS_TIMEOUT_MS).unref();
    });
    client.on("request", (accept, reject, name, info) => this.#onRequest(accept, reject, name, info));
    client.on("session", (accept) => {
      const session = accept();
      if (session) this.#terminal.attach(session);
    });
    // Only reached if refuseChannelTypes could not hook ssh2 (its internals changed).
    client.on("tcpip", (_accept, reject) => {
      this.print(messages.channelRefused);
      reject();
    });
    client.on("openssh.streamlocal", (_accept, reject) => reject());
    // ssh2 errors are terminal (it ends the socket itself). Shut down here rather than on "close":
    // after a keepalive timeout the dead peer never completes the TCP close.
    client.on("error", (error: Error & { level?: string }) => {
      this.#log.info("ssh connection error", { error: error.message, level: error.level });
      // Before ssh2 ends the connection itself (right after this event), with no reason given.
      if (error.level === "client-timeout") this.#dropSilentPeer(messages.keepaliveTimeout);
      else this.shutdown(this.#dropReason);
    });
    // "end" (the peer's FIN) comes before "close": clean up on whichever is first, so a killed
    // client's names leave routing at once.
    client.on("end", () => this.shutdown(this.#dropReason));
    client.on("close", () => this.shutdown(this.#dropReason));
  }

  get closed(): boolean {
    return this.#closed;
  }

  answers(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (answered: boolean) => {
        clearTimeout(timer);
        this.#answerWaiters.delete(settle);
        if (this.#answerWaiters.size === 0) {
          this.#socket.off("data", this.#answered);
          this.#socket.off("close", this.#answered);
        }
        resolve(answered);
      };
      const timer = setTimeout(() => settle(false), timeoutMs);
      // Every caller waiting at once shares one ping and one pair of listeners: a reconnect storm
      // at the key's limit asks each held connection once per newcomer, and a listener each made
      // Node warn of a memory leak in the relay's log (and cost a ping each).
      const pingOut = this.#answerWaiters.size > 0;
      this.#answerWaiters.add(settle);
      if (pingOut) return;
      this.#socket.on("data", this.#answered);
      // Gone by itself: its slot is free without dropping anything.
      this.#socket.once("close", this.#answered);
      // Without a way to ask (ssh2's internals changed), it counts as alive: refused as before.
      if (!sendPing(this.client)) this.#answered();
    });
  }

  dropSilent(): void {
    this.#log.info("dropping a connection that stopped answering while a request waited on it");
    this.#dropSilentPeer(messages.stoppedAnswering);
  }

  silentChannelsLeft(): void {
    // Once the DISCONNECT has left (shutdown sends it after closing the tunnels).
    const socket = this.#socket;
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  }

  dropUnresponsive(): void {
    this.#log.info("dropping a connection that no longer answers: its key reconnected at its limit");
    this.#dropSilentPeer(messages.replacedWhileSilent);
  }

  /**
   * Ends a connection whose client stopped answering (keepalives, or a ping while a request
   * waited). The reason goes out as the DISCONNECT's description, which a client woken later reads
   * first ("Received disconnect … Burrow: …"; an empty reason explains nothing, and a socket given
   * up on answers a woken client's write with "Broken pipe"); the console's close is not waited for,
   * nothing will answer it. The tunnels' channels end at once (the visitors waiting on them are
   * answered now, not when the socket is given up), and the socket stays open for the client to
   * wake up to (SILENT_CLIENT_GRACE_MS), unref'd: it keeps no relay process alive.
   */
  #dropSilentPeer(message: string): void {
    this.#silent = true;
    this.#dropReason = "keepalive_timeout";
    this.shutdown("keepalive_timeout", message, 1);
  }

  /** The id of the SSH key this connection signed in with; undefined before it has. */
  get keyId(): string | undefined {
    return this.#key?.keyId;
  }

  get tunnels(): readonly SshTunnel[] {
    return [...this.#tunnels];
  }

  print(line: string): void {
    this.#terminal.print(line);
  }

  /**
   * Ends the connection and all its tunnels with `reason`; `message` is shown to the user (in the
   * console or on a running command's stderr, else as the disconnect description). `exitStatus` is
   * what ssh exits with when either is open (without one it gets the DISCONNECT, and exits 255): 1
   * unless the user asked for the end (typed exit, Ctrl-C), so a script (`until ssh -R …; do sleep
   * 1; done`) can tell a tunnel that did not end the way its user asked, a relay restart included,
   * from one its user closed. Idempotent.
   */
  shutdown(reason: string, message?: string, exitStatus = 1): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#authTimer);
    for (const tunnel of [...this.#tunnels]) tunnel.close(reason, undefined, this.#silent);
    if (this.#key) this.#deps.limits.release(this.#key.keyId, this);
    if (this.#silent) {
      disconnectWithMessage(this.client, `Burrow: ${message ?? messages.keepaliveTimeout}`);
      this.#socket.unref();
    } else if (this.#terminal.hasConsole || this.#terminal.hasCommand) {
      // Closing the session makes OpenSSH exit on its own, with exitStatus and every line shown; a
      // DISCONNECT right behind it would make it exit 255. The connection is ended for it if not.
      // A running command (logs -f) too: its line goes to its stderr.
      this.#terminal.close(message, exitStatus);
      setTimeout(() => this.client.end(), SESSION_CLOSE_GRACE_MS).unref();
    } else if (message) {
      disconnectWithMessage(this.client, `Burrow: ${message}`);
    } else {
      this.client.end();
    }
    // A stopped or vanished peer never closes its side; don't keep its socket forever.
    setTimeout(() => this.#socket.destroy(), this.#silent ? SILENT_CLIENT_GRACE_MS : FORCE_CLOSE_MS).unref();
    this.#log.info("ssh connection closed", { reason });
    this.#onClosed(this);
  }

  tunnelClosed(tunnel: SshTunnel, reason: string, message: string | undefined): void {
    this.#tunnels.delete(tunnel);
    this.#log.info("tunnel closed", { name: tunnel.name, reason, requests: tunnel.requests });
    if (this.#closed) return;
    // A forward the relay ended (not the client) leaves a connection that can do nothing more:
    // end it, with the reason, unless it still serves other names. Exit status 1: the tunnel did
    // not end the way its user asked, which a script (or a `while ssh …` loop) must be able to see.
    if (reason === "taken_over" || reason === "admin_disconnect" || reason === "key_removed") {
      if (this.#tunnels.size === 0) this.shutdown(reason, message, 1);
      else if (message) this.print(message);
    } else if (message) {
      this.print(message);
    }
  }

  #onRequest(
    accept: ((port?: number) => void) | undefined,
    reject: (() => void) | undefined,
    name: string,
    info: TcpipBindInfo | SocketBindInfo,
  ): void {
    // accept/reject are undefined when the client did not ask for a reply.
    const reply: Reply = { accept: (port) => accept?.(port), reject: () => reject?.() };
    const domain = this.#deps.config.BURROW_DOMAIN;
    switch (name) {
      case "tcpip-forward": {
        this.#forwardRequests++;
        const { bindAddr, bindPort } = info as TcpipBindInfo;
        const request = parseTcpipForward(bindAddr, bindPort, domain);
        this.#enqueue(() => this.#forward(request, typedTcpipForward(bindAddr, bindPort), reply));
        return;
      }
      case "streamlocal-forward@openssh.com": {
        this.#forwardRequests++;
        const { socketPath } = info as SocketBindInfo;
        this.#enqueue(() => this.#forward(parseStreamLocalForward(socketPath, domain), socketPath, reply));
        return;
      }
      case "cancel-tcpip-forward": {
        const { bindAddr, bindPort } = info as TcpipBindInfo;
        this.#enqueue(async () => this.#cancel({ type: "tcpip", bindAddr, bindPort }, reply));
        return;
      }
      case "cancel-streamlocal-forward@openssh.com": {
        const { socketPath } = info as SocketBindInfo;
        this.#enqueue(async () => this.#cancel({ type: "streamlocal", socketPath }, reply));
        return;
      }
      default:
        reply.reject();
    }
  }

  /** Resolves once every forward request received so far has been answered. */
  async #forwardsAnswered(): Promise<void> {
    while (this.#queued > 0) await this.#queue;
  }

  /** Forward requests run one at a time, so limits and duplicate checks see settled state. */
  #enqueue(task: () => Promise<void>): void {
    this.#queued++;
    this.#queue = this.#queue
      .then(task)
      .catch((error: unknown) => this.#log.error("forward request failed", { error: errorText(error) }))
      .finally(() => {
        this.#queued--;
      });
  }

  async #forward(request: ForwardRequest, what: string, reply: Reply): Promise<void> {
    const { config, registry, sessions, db } = this.#deps;
    const key = this.#key;
    if (this.#closed || !key) return reply.reject();
    if (request.kind === "refused") return this.#refuse(what, request.message, reply);
    if (this.#tunnels.size >= config.BURROW_MAX_FORWARDS_PER_CONNECTION) {
      return this.#refuse(what, messages.tooManyForwards(config.BURROW_MAX_FORWARDS_PER_CONNECTION), reply);
    }
    if (request.kind === "named" && this.tunnels.some((t) => t.name === request.name)) {
      return this.#refuse(what, messages.duplicateForward(request.name), reply);
    }
    const bind = this.#allocateBind(request.bind);
    if (!bind) {
      const reason =
        request.kind === "named" ? messages.duplicateForward(request.name) : messages.duplicateRandom;
      return this.#refuse(what, reason, reply);
    }

    let claim: Awaited<ReturnType<typeof claimName>>;
    let sessionId: string;
    try {
      claim = await withTimeout(
        claimName(request, {
          db,
          config,
          registry,
          userId: key.userId,
          signedIn: { email: key.email, key: key.label || key.fingerprint },
        }),
        CLAIM_TIMEOUT_MS,
        "name check",
      );
      if (!claim.ok) return this.#refuse(what, claim.message, reply);
      if (this.#closed) return reply.reject();
      sessionId = await withTimeout(
        sessions.start({
          name: claim.name,
          reservationId: claim.reservationId,
          userId: key.userId,
          sshKeyId: key.keyId,
          clientIp: this.ip,
          randomName: claim.random,
        }),
        CLAIM_TIMEOUT_MS,
        "tunnel session start",
      );
    } catch (error) {
      const trouble = databaseTrouble(error);
      this.#log.error(`cannot start tunnel: ${trouble.log}`, { error: errorText(error) });
      return this.#refuse(what, trouble.message, reply);
    }
    const zero = { requests: 0, bytesIn: 0, bytesOut: 0 };
    if (this.#closed) {
      sessions.end(sessionId, this.#dropReason, zero, claim.reservationId);
      return reply.reject();
    }
    // The relay that took the database carries out the dashboard's commands and may give the same
    // name to another client: this one keeps the tunnels it has and starts no new ones. Asked here,
    // after the name check's and session's statements and with nothing awaited before the tunnel is
    // registered, so a database lost during them cannot let one through.
    if (this.#deps.holdsDatabase?.() === false) {
      sessions.end(sessionId, "database_taken_over", zero, claim.reservationId);
      return this.#refuse(what, messages.databaseTakenOver, reply);
    }
    // A new random name is only ever ours; if one went live meanwhile (astronomically unlikely), don't
    // take it. A reclaimed one may be live on a dropped connection of ours: taken over below.
    if (claim.random && !claim.reclaimed && registry.get(claim.name)) {
      sessions.end(sessionId, "name_collision", zero, null);
      return this.#refuse(what, messages.randomNameExhausted, reply);
    }

    const tunnel = new SshTunnel(
      {
        name: claim.name,
        sessionId,
        userId: key.userId,
        reservationId: claim.reservationId,
        clientIp: this.ip,
        target: describeBind(bind),
        bind,
      },
      {
        owner: this,
        registry,
        sessions,
        stats: this.#deps.stats,
        openStreamTimeoutMs: this.#deps.openStreamTimeoutMs,
      },
    );
    this.#tunnels.add(tunnel);
    const previous = registry.add(tunnel);
    if (previous) {
      // Same user (claimName guarantees it): the newest connection wins at once, so a half-dead
      // laptop connection never blocks a reconnect until keepalives notice.
      this.#log.info("tunnel taken over", { name: claim.name, previousIp: previous.clientIp });
      closeTunnel(previous, "taken_over", messages.takenOver(claim.name));
    }
    reply.accept(
      bind.type === "tcpip" && request.bind.type === "tcpip" && request.bind.bindPort === 0
        ? bind.bindPort
        : undefined,
    );
    this.#log.info("tunnel started", { name: claim.name, forward: what, random: claim.random });
    // OpenSSH never tells the server where a remote forward connects to locally (that half of
    // -R stays in the client), so the line names the forward as the user typed it.
    const terminal = this.#terminal;
    terminal.announce(messages.forwarding(tunnelUrl(config, claim.name), `your local port (-R ${what}:…)`));
    terminal.announce(messages.inspect(config, claim.name));
    if (previous) terminal.announce(messages.tookOver(claim.name, previous.clientIp));
    if (claim.random) terminal.announce(messages.randomNameKept(claim.name, config.BURROW_RANDOM_NAME_HOURS));
  }

  /**
   * The forward as the client will recognise it in channel opens; for port 0 a port is "allocated"
   * (80, else a spare one) so two port-0 forwards on one connection stay distinguishable. Null when
   * the connection already has this exact forward.
   */
  #allocateBind(requested: ForwardBind): ForwardBind | null {
    const taken = (candidate: ForwardBind) => this.tunnels.some((t) => sameBind(t.bind, candidate));
    if (requested.type === "streamlocal" || requested.bindPort !== 0)
      return taken(requested) ? null : requested;
    for (let port = 80, tries = 0; tries <= this.#deps.config.BURROW_MAX_FORWARDS_PER_CONNECTION; tries++) {
      const candidate: ForwardBind = { ...requested, bindPort: port };
      if (!taken(candidate)) return candidate;
      port = port === 80 ? FIRST_SPARE_PORT : port + 1;
    }
    return null;
  }

  /**
   * Refuses a forward and makes sure the user can read why. A refusal that leaves the connection
   * with nothing to do (no tunnel, no other -R waiting) ends it with the reason: in the console
   * (ssh exits 1 after printing it) or, under -N, as the disconnect description. A failure reply
   * would only make OpenSSH print "remote port forwarding failed", and with ExitOnForwardFailure it
   * exits on that reply before printing the console's last line. A console with nothing forwarded
   * would otherwise hang until Ctrl-C.
   */
  async #refuse(what: string, reason: string, reply: Reply): Promise<void> {
    const shown = truncate(what, MAX_SHOWN_FORWARD);
    const line = messages.refused(`-R ${shown}`, reason);
    this.#log.info("forward refused", { forward: shown, reason });
    this.#forwardsRefused++;
    await this.#terminal.waitForSession(REFUSAL_GRACE_MS);
    if (this.#closed) return;
    if (this.#terminal.hasCommand && !this.#terminal.hasConsole) {
      // `ssh -R … relay names`: the command is what the connection is for, and runs on; the reason
      // goes to its stderr, and its exit status says when no -R worked (exec, above).
      this.#terminal.noteToCommands(line);
      await delay(REFUSAL_LINE_LEAD_MS);
      if (!this.#closed) reply.reject();
      return;
    }
    if (this.#tunnels.size === 0 && this.#queued <= 1) {
      this.shutdown("refused", line, 1);
      return;
    }
    this.print(line);
    // OpenSSH with ExitOnForwardFailure exits on the failure reply, dropping console output it has
    // read but not yet written: the line goes out alone first, so the user sees which -R failed.
    if (this.#terminal.hasConsole) await delay(REFUSAL_LINE_LEAD_MS);
    if (!this.#closed) reply.reject();
  }

  #cancel(bind: ForwardBind, reply: Reply): void {
    const tunnel = this.tunnels.find((t) => sameBind(t.bind, bind));
    if (!tunnel) {
      reply.reject();
      return;
    }
    tunnel.close("client_cancelled");
    this.print(`Stopped forwarding ${tunnel.name}.`);
    reply.accept();
  }
}
