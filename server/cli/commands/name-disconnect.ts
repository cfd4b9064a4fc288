import type { Db } from "../../../lib/db.ts";
import { AppError } from "../../../lib/errors.ts";
import { invalidNameMessage, normaliseName, STORED_NAME } from "../../../lib/names/rules.ts";
import { sendRelayCommand } from "../../../lib/relay-control.ts";
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_STALE_MS } from "../../../lib/relay-heartbeat.ts";
import { disconnectReasonSchema } from "../../../lib/tunnel-sessions/disconnect-reason.ts";
import { endSessionsOfStoppedRelays } from "../../../lib/tunnel-sessions/stopped-relays.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";
import { CLOSE_WAIT_MS, waitForTunnelsClosed } from "../wait-for-close.ts";

/** A heartbeat this much later than due: the relay most likely stopped (it writes on time). */
const LATE_BEAT_MS = 5_000;

/** `burrow name disconnect`; its help and usage line are in ../command-table.ts. */
export async function runNameDisconnect(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { reason: { type: "string" } },
    { required: ["name"] },
  );
  const name = normaliseName(positionals[0] ?? "");
  // Names as stored (some from older rules) pass; anything else cannot be one.
  if (!STORED_NAME.test(name))
    throw new UsageError(invalidNameMessage(name) ?? `"${name}" is not a valid name`);
  const reason = values.reason?.trim();
  if (reason === "") throw new UsageError("--reason is empty: say why, or leave --reason out");
  if (reason !== undefined) {
    const checked = disconnectReasonSchema("--reason").safeParse(reason);
    if (!checked.success) throw new UsageError(checked.error.issues[0]?.message ?? "--reason is not valid");
  }
  return withDatabase(context.env(), async (db) => {
    const shown = await openSessionOwners(db, name);
    await endSessionsOfStoppedRelays(db);
    const owners = await openSessionOwners(db, name);
    if (owners.length === 0 && shown.length > 0) {
      context.out(
        `Disconnected ${name} (${shown.join(", ")}): the relay that held it had stopped, so it was no longer served`,
      );
      return 0;
    }
    if (owners.length === 0) {
      const known =
        (await db.reservation.count({ where: { name } })) > 0 ||
        (await db.tunnelSession.count({ where: { name } })) > 0;
      throw new AppError("not_found", known ? `${name} is not connected` : `${name} is not reserved`);
    }
    await sendRelayCommand(db, { type: "disconnect", name, ...(reason ? { reason } : {}) });
    if ((await waitForTunnelsClosed(async () => (await openSessionOwners(db, name)).length)) === 0) {
      context.out(`Disconnected ${name} (${owners.join(", ")})`);
      return 0;
    }
    context.note(
      `burrow name disconnect: ${name} is still connected after ${CLOSE_WAIT_MS / 1000} s: ${await relayState(db)}`,
    );
    return 1;
  });
}

/** The emails of the accounts with a tunnel of this name open now. */
async function openSessionOwners(db: Db, name: string): Promise<string[]> {
  const open = await db.tunnelSession.findMany({
    where: { name, endedAt: null },
    select: { user: { select: { email: true } } },
    distinct: ["userId"],
  });
  return open.map((session) => session.user.email);
}

/**
 * Why the relay may not have acted: none running (no heartbeat for HEARTBEAT_STALE_MS), one that
 * missed its last beat (crashed moments ago, most likely), or one that did not answer.
 */
async function relayState(db: Db): Promise<string> {
  const latest = await db.relayHeartbeat.findFirst({ orderBy: { seenAt: "desc" }, select: { seenAt: true } });
  const age = latest ? Date.now() - latest.seenAt.getTime() : Number.POSITIVE_INFINITY;
  if (age > HEARTBEAT_STALE_MS) {
    return `no relay is running (start it with npm start); the tunnel is shown connected until its relay has been silent for ${HEARTBEAT_STALE_MS / 1000} s`;
  }
  if (age > HEARTBEAT_INTERVAL_MS + LATE_BEAT_MS) {
    return `the relay may have stopped: its last heartbeat was ${Math.round(age / 1000)} s ago (they come every ${HEARTBEAT_INTERVAL_MS / 1000} s); check that it runs (npm start)`;
  }
  return "the relay has not closed it yet; see the relay's log, or run the command again";
}
