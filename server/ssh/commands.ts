import type { Db } from "../../lib/db.ts";
import { type Env, tunnelUrl } from "../../lib/env.ts";
import { isAppError } from "../../lib/errors.ts";
import { listNames, reserveName } from "../../lib/names/service.ts";
import { sshCommand, sshRelayCommand } from "../../lib/web/connect-command.ts";
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
}

const USAGE = 2;

/**
 * The relay's few commands, run as `ssh -p 2222 relay.example.com <command>`: the same key that
 * opens tunnels lists and reserves names, so a terminal user never needs the dashboard to start.
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
      case "reserve":
        if (args.length !== 1) return usage(context, `"reserve" takes one name, e.g. reserve myapp`);
        return { text: await reserve(context, args[0]!), code: 0 };
      default:
        return usage(context, `Unknown command "${command.slice(0, 40)}".`);
    }
  } catch (error) {
    if (isAppError(error)) return { text: error.message, code: 1 };
    // A database that is down or hung: the same words as a refused -R in that case.
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
