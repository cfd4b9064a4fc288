import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { migrate } from "../../lib/db/migrate.ts";
import { createDb, type Db } from "../../lib/db.ts";
import type { Env } from "../../lib/env.ts";
import { AppError, isAppError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/logger.ts";
import { readOrCreateSecret } from "../../lib/secret-file.ts";
import { holdRelayLock } from "../control/relay-lock.ts";
import { asMigrationError } from "./commands/migrate.ts";
import { claimDataDir } from "./data-dir-lock.ts";
import { explainConnectionError, type ResolvedDatabase, resolveDatabase } from "./database.ts";
import { explainListenError } from "./listen-error.ts";
import { loadRunRelay, type RunningRelay } from "./relay-loader.ts";
import type { Teardown } from "./teardown.ts";

/** Past this, a relay that has not finished closing is left behind so the process still exits. */
const RELAY_CLOSE_LIMIT_MS = 30_000;
const DATABASE_CLIENT_CLOSE_LIMIT_MS = 5_000;

export interface RelayRuntime {
  /** The settings with AUTH_SECRET filled in, as the relay and the dashboard get them. */
  config: Env;
  database: ResolvedDatabase;
  db: Db;
  relay: RunningRelay;
}

/**
 * What `start` and `relay` share: the data dir, the database (embedded unless DATABASE_URL),
 * migrations, the auth secret and the relay itself. Every step registers its undo on `teardown`,
 * and `signal` (Ctrl-C) stops between steps.
 */
export async function bootRelay(
  env: Env,
  options: { teardown: Teardown; signal: AbortSignal; note(line: string): void },
): Promise<RelayRuntime> {
  const { teardown, signal, note } = options;
  // The relay keeps its host key here and we keep the auth secret, whichever database is used.
  await mkdir(env.BURROW_DATA_DIR, { recursive: true });
  // Before the database: a second Burrow on this data dir would otherwise borrow the first one's
  // embedded server and share its request-log spool (see data-dir-lock.ts).
  const lock = await claimDataDir(env.BURROW_DATA_DIR);
  teardown.add("releasing the data dir", lock.release);
  // Its own process group: a Ctrl-C reaches only us, and the teardown stops the database last.
  const database = await resolveDatabase(env, { publish: true, ownProcessGroup: true, note });
  teardown.add("stopping the embedded database", database.release);
  if (database.source === "running") {
    // Announced by a start or relay that did not claim the data dir above: a Burrow from before
    // that claim, still running (typically `git pull && npm start` in another terminal). Going on
    // would migrate the database under it, then run beside it or fail on its ports.
    const owner = database.ownerPid === undefined ? "" : ` (pid ${database.ownerPid})`;
    throw new AppError(
      "conflict",
      `Another Burrow${owner} is running with the data dir ${env.BURROW_DATA_DIR}, an older version ` +
        "that does not mark the data dir as its own: stop it first, then start this one. Nothing was changed.",
    );
  }
  if (database.source === "embedded") {
    note(`Database: embedded PostgreSQL, data in ${join(env.BURROW_DATA_DIR, "postgres")}`);
  }
  signal.throwIfAborted();
  // Before migrating: a relay already running on this database (another machine's, or one on
  // another data dir) is left as it was, and this start refused (see control/relay-lock.ts). The
  // lock is held from here on, on the connection the relay then listens on for the dashboard's
  // commands: no second relay can start between this check and this relay listening.
  const relayLock = await holdRelayLock(database.url, note).catch((error: unknown) => {
    throw isAppError(error) ? error : explainConnectionError(error, database.url);
  });
  // Safe to run twice: the relay ends it when it closes, this covers a start that fails before.
  teardown.add("letting go of the database (relay lock)", () => relayLock.release());
  signal.throwIfAborted();

  const migrated = await migrate(database.url, undefined, { note }).catch((error: unknown) => {
    throw asMigrationError(explainConnectionError(error, database.url));
  });
  for (const name of migrated.applied) note(`Applied migration ${name}`);
  signal.throwIfAborted();

  // Sessions and relay access cookies are signed with it: it must survive restarts, so a generated
  // one is kept in the data dir rather than made up per start.
  const authSecret =
    env.AUTH_SECRET ?? (await readOrCreateSecret(join(env.BURROW_DATA_DIR, "auth-secret"), 32));
  // DATABASE_URL set to the database actually used (embedded or not): the relay LISTENs on it for
  // the dashboard's commands, and the dashboard connects to it.
  const config: Env = { ...env, DATABASE_URL: database.url, AUTH_SECRET: authSecret };

  const db = createDb(database.url, { applicationName: "burrow-relay" });
  // A database that hangs (not one that is down: that fails at once) must not hold up the exit.
  teardown.add("closing the database client", () => db.$disconnect(), DATABASE_CLIENT_CLOSE_LIMIT_MS);
  const runRelay = await loadRunRelay();
  let relay: RunningRelay;
  try {
    relay = await runRelay(config, { db, logger: createLogger(), controlClient: relayLock.handOver() });
  } catch (error) {
    throw explainListenError(error);
  }
  // The drain takes up to 10 s; the rest (closing SSH connections, writing queued log rows) seconds.
  teardown.add("closing the relay", () => relay.close(), RELAY_CLOSE_LIMIT_MS);
  return { config, database, db, relay };
}
