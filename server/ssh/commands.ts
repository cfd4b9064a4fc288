import type { Db } from "../../lib/db.ts";
import { type Env, tunnelUrl } from "../../lib/env.ts";
import { isAppError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";
import { getNameForUser, listNames, reserveName } from "../../lib/names/service.ts";
import { listRequestLogs } from "../../lib/request-logs/query.ts";
import { sshCommand, sshRelayCommand } from "../../lib/web/connect-command.ts";
import { parseCommandArgs, UsageError } from "../cli/command.ts";
import { formatLine, LOG_HEADERS, toCells } from "../cli/log-lines.ts";
import { checkFilters, logWindow } from "../cli/log-options.ts";
import { errorText } from "../sessions/session-recorder.ts";
import { messages } from "./messages.ts";
import { withTimeout } from "./with-timeout.ts";

/** What a command prints (the relay's terminal sanitises it) and the exit status ssh returns. */
export interface CommandResult {
  text: string;
  code: number;
}

export interface CommandContext {
  db: Db;
  config: Env;
  /** The signed-in key's owner: every command acts for them only. */
  userId: string;
  /** The local port the examples use (3000, or 8000 when the relay runs on the user's computer). */
  appPort: number;
  /** Bounds each database call, so a hung database answers "try again" rather than hanging ssh. */
  timeoutMs: number;
  /** Where a failure that is not the user's (database down, or a bug) is recorded. */
  logger: Logger;
}

const USAGE = 2;

/**
 * The relay's few commands, run as `ssh -p 2222 relay.example.com <command>`: the same key that
 * opens tunnels lists and reserves names and reads their logs, so a terminal user never needs the
 * dashboard to start.
 * Releasing is left to the dashboard, where deleting a name's request log is asked about first.
 */
export async function runCommand(commandLine: string, context: CommandContext): Promise<CommandResult> {
  const [command = "", ...args] = commandLine.trim().split(/\s+/).filter(Boolean);
  try {
    switch (command) {
      case "":
      case "help":
      case "--help":
        return { text: help(context), code: 0 };
      case "names":
        if (args.length > 0) return usage(context, `"names" takes no arguments`);
        return { text: await names(context), code: 0 };
      case "logs":
        return { text: await logs(context, args), code: 0 };
      case "reserve":
        if (args.length !== 1) return usage(context, `"reserve" takes one name, e.g. reserve myapp`);
        return { text: await reserve(context, args[0]!), code: 0 };
      default:
        return usage(context, `Unknown command "${command.slice(0, 40)}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(context, `${command}: ${error.message}`);
    if (isAppError(error)) return { text: error.message, code: 1 };
    // A database that is down or hung: the same words as a refused -R in that case; the log says
    // what it was, in case it was something else.
    context.logger.error("ssh command failed", { command, error: errorText(error) });
    return { text: messages.databaseDown, code: 1 };
  }
}

function usage(context: CommandContext, problem: string): CommandResult {
  return { text: `${problem}\n${help(context)}`, code: USAGE };
}

function help({ config, appPort }: CommandContext): string {
  const relay = { sshHost: config.BURROW_SSH_HOST, sshPort: config.BURROW_SSH_PORT };
  const example = sshCommand({ ...relay, name: "myapp" }, appPort);
  return [
    "Burrow serves HTTP tunnels:",
    `  ${example}`,
    `makes ${tunnelUrl(config, "myapp")} reach port ${appPort} on your machine. Commands:`,
    `  ${sshRelayCommand(relay, "names")}          your names, and which are online`,
    `  ${sshRelayCommand(relay, "reserve myapp")}  reserve a name (release it at ${config.BURROW_DASHBOARD_URL}/names)`,
    `  ${sshRelayCommand(relay, "logs myapp")}     a name's latest requests (${LOGS_OPTIONS})`,
  ].join("\n");
}

async function names({ db, config, userId, timeoutMs }: CommandContext): Promise<string> {
  const list = await withTimeout(listNames(db, userId), timeoutMs, "name list");
  const relay = { sshHost: config.BURROW_SSH_HOST, sshPort: config.BURROW_SSH_PORT };
  if (list.length === 0) return `You have no names yet: ${sshRelayCommand(relay, "reserve <name>")}`;
  const width = Math.max(...list.map((n) => n.name.length));
  return list
    .map(
      (n) =>
        `${n.name.padEnd(width)}  ${(n.online ? "online" : "offline").padEnd(7)}  ${tunnelUrl(config, n.name)}`,
    )
    .join("\n");
}

async function reserve(context: CommandContext, rawName: string): Promise<string> {
  const { db, config, userId, appPort, timeoutMs } = context;
  const reservation = await withTimeout(
    reserveName(db, userId, rawName, { maxNames: config.BURROW_MAX_NAMES }),
    timeoutMs,
    "name reservation",
  );
  const relay = { sshHost: config.BURROW_SSH_HOST, sshPort: config.BURROW_SSH_PORT };
  return [
    `Reserved ${reservation.name}: ${tunnelUrl(config, reservation.name)}`,
    "Connect with:",
    `  ${sshCommand({ ...relay, name: reservation.name }, appPort)}`,
  ].join("\n");
}

const LOGS_OPTIONS = "-n 50, --status 5xx|404, --method POST, --path /api, --since 2h";

/**
 * The latest requests to one of the user's names, oldest first, as `burrow logs` prints them but
 * with times in UTC (the relay's own time zone is not the user's). The ssh session of a tunnel
 * already prints each request as it is answered, so there is no --follow here.
 */
async function logs(context: CommandContext, args: string[]): Promise<string> {
  const { db, userId, timeoutMs } = context;
  const { values, positionals } = parseCommandArgs(
    args,
    {
      limit: { type: "string", short: "n" },
      status: { type: "string" },
      method: { type: "string" },
      path: { type: "string" },
      since: { type: "string" },
    },
    { required: ["name"] },
  );
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new UsageError("-n must be a whole number from 1 to 200");
  }
  const filter = {
    name: positionals[0]!,
    status: values.status,
    method: values.method,
    pathContains: values.path,
    ...logWindow({ since: values.since }, Date.now()),
    limit,
  };
  checkFilters(filter);
  // Someone else's name reads as no name at all (getNameForUser), before any log is read.
  const own = await withTimeout(getNameForUser(db, userId, filter.name), timeoutMs, "name check");
  const { rows } = await withTimeout(
    listRequestLogs(db, { ...filter, name: own.name }),
    timeoutMs,
    "request log",
  );
  if (rows.length === 0) {
    const filtered = [values.status, values.method, values.path, values.since].some((v) => v !== undefined);
    return filtered ? `No requests to ${own.name} match these filters` : `No requests to ${own.name} yet`;
  }
  // The column is 19 wide; "(UTC)" in its header says the zone.
  const utc = (at: Date) => at.toISOString().slice(0, 19).replace("T", " ");
  return [
    formatLine(["TIME (UTC)", ...LOG_HEADERS.slice(1)]),
    ...rows.reverse().map((row) => formatLine(toCells(row, utc))),
  ].join("\n");
}
