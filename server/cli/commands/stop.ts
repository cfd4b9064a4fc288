import { setTimeout as delay } from "node:timers/promises";
import { isProcessAlive } from "../../../lib/db/postgres-process.ts";
import { AppError } from "../../../lib/errors.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { runningOwner } from "../data-dir-lock.ts";
import { parseDuration } from "../log-options.ts";

/** Past the relay's own limits (a 10 s drain, 30 s to close tunnels) with room to spare. */
const DEFAULT_WAIT = "60s";
const POLL_MS = 100;

export const stop: Command = {
  name: "stop",
  synopsis: "[--wait 60s]",
  summary: "Stop the Burrow running on this data dir, as Ctrl-C would, and wait until it has",
  details: `Sends SIGTERM to the \`start\` or \`relay\` that runs with BURROW_DATA_DIR: it lets open
requests finish, closes tunnels (their ssh clients are told why), writes the queued request log and
stops the embedded database. Waits for that up to --wait (default ${DEFAULT_WAIT}; 90s, 5m…), then
exits 1 naming the pid if it still runs. Nothing running is not an error (exit 0).
Under systemd use systemctl stop burrow instead: systemd would take the exit for a crash to restart.`,
  async run(context) {
    const { values } = parseCommandArgs(context.args, { wait: { type: "string" } }, { required: [] });
    const waitMs = parseDuration(values.wait ?? DEFAULT_WAIT);
    if (waitMs === null) throw new UsageError("--wait takes a duration such as 30s, 2m or 1h");
    const dataDir = context.env().BURROW_DATA_DIR;
    const pid = await runningOwner(dataDir);
    if (pid === undefined) {
      context.out(`Burrow is not running here (data dir ${dataDir}): nothing to stop`);
      return 0;
    }
    try {
      process.kill(pid, "SIGTERM");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPERM") {
        throw new AppError(
          "forbidden",
          `Not allowed to stop Burrow (pid ${pid}): run this as the user that started it`,
        );
      }
      if (code !== "ESRCH") throw error;
    }
    context.note(`Stopping Burrow (pid ${pid}): open requests finish first…`);
    const started = Date.now();
    while (isProcessAlive(pid)) {
      if (Date.now() - started >= waitMs) {
        throw new AppError(
          "unavailable",
          `Burrow (pid ${pid}) is still stopping after ${values.wait ?? DEFAULT_WAIT}: wait longer ` +
            `(--wait), or kill -9 ${pid} to end it at once (open requests are cut; the next start ` +
            "stops the embedded database it leaves)",
        );
      }
      await delay(POLL_MS);
    }
    context.out(`Stopped Burrow (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  },
};
