import { setTimeout as delay } from "node:timers/promises";
import { isProcessAlive } from "../../../lib/db/postgres-process.ts";
import { AppError } from "../../../lib/errors.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { STOP_DEFAULT_WAIT } from "../command-table.ts";
import { runningOwner } from "../data-dir-lock.ts";
import { parseDuration } from "../duration.ts";

const POLL_MS = 100;

/** `burrow stop`; its help and usage line are in ../command-table.ts. */
export async function runStop(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(context.args, { wait: { type: "string" } }, { required: [] });
  const waitMs = parseDuration(values.wait ?? STOP_DEFAULT_WAIT);
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
        `Burrow (pid ${pid}) is still stopping after ${values.wait ?? STOP_DEFAULT_WAIT}: wait longer ` +
          `(--wait), or kill -9 ${pid} to end it at once (open requests are cut; the next start ` +
          "stops the embedded database it leaves)",
      );
    }
    await delay(POLL_MS);
  }
  context.out(`Stopped Burrow (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
