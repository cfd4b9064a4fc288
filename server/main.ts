/**
 * Relay wiring: settings, database, host key, listen, signals. `burrow start` / `burrow relay`
 * call `runRelay`; `tsx server/main.ts` runs the relay alone (DATABASE_URL required).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type pg from "pg";
import { createDb, type Db } from "../lib/db.ts";
import { type Env, loadEnv } from "../lib/env.ts";
import { createLogger, type Logger } from "../lib/logger.ts";
import { readOrCreateSecret } from "../lib/secret-file.ts";
import { createAccessGate, keepAccessGateCurrent } from "./access/gate.ts";
import { loadOrCreateHostKey } from "./host-key.ts";
import { createRelay, type RelayPorts } from "./relay.ts";

export interface RunningRelay {
  /** Stops accepting, drains open requests, ends tunnels, saves sessions. Idempotent. */
  close(): Promise<void>;
  ports: RelayPorts;
  /** "SHA256:…" of the SSH host key, for users to compare on first connect. */
  hostKeyFingerprint: string;
}

/**
 * Starts the relay with `config`: loads (or creates) `<BURROW_DATA_DIR>/ssh_host_ed25519_key`, prints
 * its fingerprint, listens. Uses `options.db` when given (and leaves it open on close), else builds
 * a pool from config.DATABASE_URL and closes it on close. `options.controlClient`, a connection
 * holding the relay lock (holdRelayLock), becomes the control connection; it is ended on close and
 * when the start fails.
 */
export async function runRelay(
  config: Env,
  options: { db?: Db; logger?: Logger; controlClient?: pg.Client } = {},
): Promise<RunningRelay> {
  const logger = options.logger ?? createLogger();
  let db = options.db;
  let ownsDb = false;
  if (!db) {
    if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not set: the relay needs PostgreSQL");
    db = createDb(config.DATABASE_URL, { applicationName: "burrow-relay" });
    ownsDb = true;
  }
  const hostKey = await loadOrCreateHostKey(config.BURROW_DATA_DIR);
  logger.info(`SSH host key fingerprint: ${hostKey.fingerprint}`);
  // Signs visitors' access cookies; kept in the data dir so a restart does not sign anyone out.
  const access = createAccessGate({
    db,
    config,
    logger: logger.child({ part: "access" }),
    secret: await readOrCreateSecret(join(config.BURROW_DATA_DIR, "access-secret"), 32),
  });
  const relay = createRelay({
    db,
    config,
    hostKey: hostKey.privateKey,
    logger,
    access,
    controlClient: options.controlClient,
  });
  keepAccessGateCurrent(relay, access);
  let ports: RelayPorts;
  try {
    ports = await relay.listen();
  } catch (error) {
    await relay.close().catch(() => {});
    access.close();
    if (ownsDb) await db.$disconnect().catch(() => {});
    throw error;
  }
  const ownedDb = ownsDb ? db : undefined;
  return {
    ports,
    hostKeyFingerprint: hostKey.fingerprint,
    async close() {
      await relay.close();
      access.close();
      await ownedDb?.$disconnect().catch(() => {});
    },
  };
}

async function main(): Promise<void> {
  const config = loadEnv();
  const logger = createLogger();
  const relay = await runRelay(config, { logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(130);
    }
    stopping = true;
    logger.info("stopping the relay (draining)", { signal });
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("relay did not stop cleanly", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Only now: whoever waits for this line (a supervisor, a test) may send SIGTERM at once.
  process.stdout.write(
    `Burrow relay: ssh on port ${relay.ports.sshPort}, http on port ${relay.ports.httpPort}` +
      `${relay.ports.httpsPort ? `, https on port ${relay.ports.httpsPort}` : ""}\n` +
      `SSH host key fingerprint: ${relay.hostKeyFingerprint}\n`,
  );
}

// Only when this very file is the entry: in a bundle (scripts/build-server.mjs) the modules of a
// chunk share its import.meta.url, the entry's too, and the CLI must not start a second relay by
// importing runRelay.
if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  import.meta.url.endsWith(".ts")
) {
  main().catch((error: unknown) => {
    process.stderr.write(`burrow relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
