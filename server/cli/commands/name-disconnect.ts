import { setTimeout as delay } from "node:timers/promises";
import type { Db } from "../../../lib/db.ts";
import { AppError } from "../../../lib/errors.ts";
import { normaliseName } from "../../../lib/names/rules.ts";
import { sendRelayCommand } from "../../../lib/relay-control.ts";
import { HEARTBEAT_STALE_MS } from "../../../lib/relay-heartbeat.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";

/** How long the command waits for the relay to close the tunnel (it acts within a second). */
const WAIT_MS = 5_000;
const POLL_MS = 100;
/** The reason is printed in the owner's ssh terminal: one short line. */
const REASON_MAX = 200;

export const nameDisconnect: Command = {
  name: "name disconnect",
  synopsis: "<name> [--reason <text>]",
  summary: "Close a name's tunnel now, whoever owns it (its ssh client is told why)",
  details: `Options:
  --reason <text>   said to the tunnel's owner: "myapp: closed by an administrator (<text>)."

The name stays reserved: its owner can connect again (disable the account, or release the name,
to stop that). Waits until the relay has closed the tunnel.

Example:
  npm run burrow -- name disconnect myapp --reason "abuse report"`,
  async run(context) {
    const { values, positionals } = parseCommandArgs(
      context.args,
      { reason: { type: "string" } },
      { required: ["name"] },
    );
    const name = normaliseName(positionals[0] ?? "");
    const reason = values.reason?.trim();
    if (reason !== undefined && (reason === "" || reason.length > REASON_MAX || /[\p{Cc}]/u.test(reason))) {
      throw new UsageError(`--reason takes one line of text, at most ${REASON_MAX} characters`);
    }
    return withDatabase(context.env(), async (db) => {
      const owners = await openSessionOwners(db, name);
      if (owners.length === 0) {
        const known =
          (await db.reservation.count({ where: { name } })) > 0 ||
          (await db.tunnelSession.count({ where: { name } })) > 0;
        throw new AppError("not_found", known ? `${name} is not connected` : `${name} is not reserved`);
      }
      await sendRelayCommand(db, { type: "disconnect", name, ...(reason ? { reason } : {}) });
      const deadline = Date.now() + WAIT_MS;
      while (Date.now() < deadline) {
        await delay(POLL_MS);
        if ((await openSessionOwners(db, name)).length === 0) {
          context.out(`Disconnected ${name} (${owners.join(", ")})`);
          return 0;
        }
      }
      context.note(
        `burrow name disconnect: ${name} is still connected after ${WAIT_MS / 1000} s: ${await relayState(db)}`,
      );
      return 1;
    });
  },
};

/** The emails of the accounts with a tunnel of this name open now. */
async function openSessionOwners(db: Db, name: string): Promise<string[]> {
  const open = await db.tunnelSession.findMany({
    where: { name, endedAt: null },
    select: { user: { select: { email: true } } },
    distinct: ["userId"],
  });
  return open.map((session) => session.user.email);
}

/** Why the relay may not have acted: none running (no fresh heartbeat), or it did not answer. */
async function relayState(db: Db): Promise<string> {
  const fresh = await db.relayHeartbeat.count({
    where: { seenAt: { gte: new Date(Date.now() - HEARTBEAT_STALE_MS) } },
  });
  return fresh === 0
    ? "no relay is running (start it with npm start); the tunnel is shown connected until a relay starts and closes what was left open"
    : "the relay has not closed it yet; see the relay's log, or run the command again";
}
