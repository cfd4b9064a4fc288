import { parse as parseShellWords } from "shell-quote";
import type { Db } from "../../lib/db.ts";
import { type Env, tunnelUrl } from "../../lib/env.ts";
import { AppError, isAppError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";
import { randomNameKeptUntil } from "../../lib/names/random-hold.ts";
import { invalidNameMessage } from "../../lib/names/rules.ts";
import { getNameForUser, listNames, listRandomNames, reserveName } from "../../lib/names/service.ts";
import type { LogAnnouncements } from "../../lib/request-logs/announcements.ts";
import { followRequestLogs } from "../../lib/request-logs/follow.ts";
import { newestRequestLogs, type RequestLogRow } from "../../lib/request-logs/query.ts";
import { listRequestLogsForTail } from "../../lib/request-logs/tail.ts";
import { relayAddress, sshCommand, sshRelayCommand } from "../../lib/web/connect-command.ts";
import { BURROW_VERSION } from "../burrow-version.ts";
import { parseCommandArgs, UsageError } from "../cli/command.ts";
import { formatLine, LOG_HEADERS, toCells } from "../cli/log-lines.ts";
import { FILTER_ARGS, filtersFromOptions, hasFilterOptions, parseCount } from "../cli/log-options.ts";
import { errorText } from "../sessions/session-recorder.ts";
import type { CommandOutput } from "./terminal.ts";
import { databaseTrouble, withTimeout } from "./with-timeout.ts";

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
  /** The ssh channel, for a command that goes on printing (logs --follow). */
  output: CommandOutput;
  /** Where new request log rows are announced (shared by the relay's followers); polling without. */
  feed?: LogAnnouncements;
}

const USAGE = 2;

/** The commands runCommand knows; a line starting with anything else is not one of them. */
const KNOWN_COMMANDS = new Set([
  "",
  "help",
  "--help",
  "names",
  "logs",
  "reserve",
  "release",
  "version",
  "--version",
]);

/** `|`, `;`, `>`… in a command line: the relay runs no shell to give them a meaning. */
class ShellOperatorError extends UsageError {}

/**
 * The relay's few commands, run as `ssh -p 2222 relay.example.com <command>`: the same key that
 * opens tunnels lists and reserves names and reads their logs, so a terminal user never needs the
 * dashboard to start.
 * Releasing is left to the dashboard, where deleting a name's request log is asked about first;
 * `release` says so.
 */
export async function runCommand(commandLine: string, context: CommandContext): Promise<CommandResult> {
  // As typed, to name the command in a message about its words (they may not parse).
  let command = commandLine.trim().split(/\s+/, 1)[0]?.slice(0, 40) ?? "";
  try {
    const [first = "", ...args] = commandWords(commandLine);
    command = first;
    // `HELP`, `Names`: caps lock, or a phone's keyboard. The console reads them so too.
    switch (command.toLowerCase()) {
      case "":
      case "help":
      case "--help":
        if (args[0] === "logs") return { text: LOGS_HELP, code: 0 };
        return { text: help(context), code: 0 };
      case "names":
        if (args.length > 0) return usage(context, `"names" takes no arguments`);
        return { text: await names(context), code: 0 };
      case "logs":
        if (args.includes("--help") || args.includes("-h")) return { text: LOGS_HELP, code: 0 };
        return await logs(context, args);
      case "reserve":
        if (args.length !== 1) return usage(context, `"reserve" takes one name, e.g. reserve myapp`);
        return { text: await reserve(context, args[0]!), code: 0 };
      case "release":
        return { text: releaseOnDashboard(context.config), code: 1 };
      // `--version` too: ssh reads `ssh relay --version` as its own option, but not after `--`.
      case "version":
      case "--version":
        if (args.length > 0) return usage(context, `"${command}" takes no arguments`);
        // As `burrow --version` prints it, so a script can compare the relay's with a checkout's.
        return { text: `burrow ${BURROW_VERSION}`, code: 0 };
      default:
        return usage(context, `Unknown command "${command.slice(0, 40)}".`);
    }
  } catch (error) {
    // `ls | grep x`: not a command of ours with a misplaced `|`, so "ls: …" would mislead.
    if (error instanceof ShellOperatorError && !KNOWN_COMMANDS.has(command.toLowerCase())) {
      return usage(context, "The relay runs no shell, so that line cannot run here. Its commands:");
    }
    // A mistake in the log's options: the log's own help fits, not the general one.
    if (error instanceof UsageError && command.toLowerCase() === "logs") {
      const see = sshRelayCommand(relayAddress(context.config), "help logs");
      return { text: `logs: ${error.message}\nRun: ${see}   (the log's options)`, code: USAGE };
    }
    if (error instanceof UsageError)
      return usage(context, `${command ? `${command}: ` : ""}${error.message}`);
    // What was typed cannot be right (a name that cannot be one) is a mistake in the call, as in
    // the CLI: 2; anything else (taken, over the limit) is 1.
    if (isAppError(error)) return { text: error.message, code: error.code === "invalid_input" ? USAGE : 1 };
    // A database that is down or hung: the same words as a refused -R in that case; the log says
    // what it was, in case it was something else.
    context.logger.error("ssh command failed", { command, error: errorText(error) });
    return { text: databaseTrouble(error).message, code: 1 };
  }
}

/**
 * The words of a command line. OpenSSH sends `ssh relay logs myapp --path "/a b"` as one string
 * with the words joined by spaces, so quoting for the relay takes a second layer, as for a remote
 * shell: `ssh relay 'logs myapp --path "/a b"'`. Read as a shell would (shell-quote), but nothing
 * is run: $VARS stay as typed and an operator (|, ;, >) is refused rather than dropped.
 */
function commandWords(commandLine: string): string[] {
  return parseShellWords(commandLine, (name) => `$${name}`).flatMap((word) => {
    if (typeof word === "string") return [word];
    if ("comment" in word) return [];
    if (word.op === "glob") return [word.pattern];
    throw new ShellOperatorError(
      `the relay runs no shell: quote "${word.op}" to pass it on (ssh relay 'logs myapp --path "a${word.op}b"')`,
    );
  });
}

function usage(context: CommandContext, problem: string): CommandResult {
  return { text: `${problem}\n${help(context)}`, code: USAGE };
}

/**
 * What the relay does and its commands: `ssh … help`, and `help` typed in an open session.
 * `appPort` is the local port the examples use.
 */
export function commandHelp(config: Env, appPort: number): string {
  const relay = relayAddress(config);
  const example = sshCommand({ ...relay, name: "myapp" }, appPort);
  return [
    "Burrow serves HTTP tunnels:",
    `  ${example}`,
    `makes ${tunnelUrl(config, "myapp")} reach port ${appPort} on your machine. Commands:`,
    `  ${sshRelayCommand(relay, "names")}          your names, and which are online`,
    `  ${sshRelayCommand(relay, "reserve myapp")}  reserve a name (release it at ${config.BURROW_DASHBOARD_URL}/names)`,
    `  ${sshRelayCommand(relay, "logs myapp")}     a name's latest requests; -f follows new ones`,
    `  ${sshRelayCommand(relay, "help logs")}      the log's filters: status, method, path, time`,
    `  ${sshRelayCommand(relay, "version")}        the Burrow version this relay runs`,
  ].join("\n");
}

/**
 * The answer to one of these commands typed in an open session (`names`, `logs myapp`): the
 * session is the tunnels' console, and a command's output would mix with their request lines, so
 * it says where the command runs instead. Undefined for a line that is none of them.
 */
export function commandTypedInConsole(config: Env, line: string): string | undefined {
  const first = line.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? "";
  if (!first || !KNOWN_COMMANDS.has(first)) return undefined;
  const command = sshRelayCommand(relayAddress(config), line.trim());
  return `This console only shows your tunnels. Run that from another terminal: ${command}`;
}

function help({ config, appPort }: CommandContext): string {
  return commandHelp(config, appPort);
}

/** `release`: deleting a name takes its request log with it, which the dashboard asks about first. */
function releaseOnDashboard(config: Env): string {
  return `Names are released on the dashboard: ${namesPage(config)} (it asks before deleting the name's request log).`;
}

function namesPage(config: Pick<Env, "BURROW_DASHBOARD_URL">): string {
  return `${config.BURROW_DASHBOARD_URL.replace(/\/+$/, "")}/names`;
}

/**
 * The user's reserved names, then the random names the relay still keeps for them (as their
 * dashboard lists them, and `logs` reads them), marked random with until when they are kept.
 */
async function names({ db, config, userId, timeoutMs }: CommandContext): Promise<string> {
  const [reserved, random] = await withTimeout(
    Promise.all([listNames(db, userId), listRandomNames(db, userId, config.BURROW_RANDOM_NAME_HOURS)]),
    timeoutMs,
    "name list",
  );
  const relay = relayAddress(config);
  if (reserved.length + random.length === 0) {
    return `You have no names yet: ${sshRelayCommand(relay, "reserve <name>")}`;
  }
  const rows = [
    ...reserved.map((n) => ({ name: n.name, online: n.online, note: "" })),
    ...random.map((n) => {
      const until = randomNameKeptUntil(n, config.BURROW_RANDOM_NAME_HOURS);
      // While connected it is kept for BURROW_RANDOM_NAME_HOURS after it closes: no date yet.
      const note = until
        ? `random, kept until ${until.toISOString().slice(0, 16).replace("T", " ")} UTC`
        : `random, kept ${config.BURROW_RANDOM_NAME_HOURS} h after it goes offline`;
      return { name: n.name, online: n.online, note };
    }),
  ];
  const width = Math.max(...rows.map((n) => n.name.length));
  const urlWidth = Math.max(...rows.map((n) => tunnelUrl(config, n.name).length));
  return rows
    .map((n) =>
      `${n.name.padEnd(width)}  ${(n.online ? "online" : "offline").padEnd(7)}  ${tunnelUrl(config, n.name).padEnd(urlWidth)}  ${n.note}`.trimEnd(),
    )
    .join("\n");
}

async function reserve(context: CommandContext, rawName: string): Promise<string> {
  const { db, config, userId, appPort, timeoutMs } = context;
  // With the name in it: "Use at least 3 characters" alone does not say which word was read.
  const invalid = invalidNameMessage(rawName);
  if (invalid) throw new AppError("invalid_input", invalid);
  const reservation = await withTimeout(
    reserveName(db, userId, rawName, { maxNames: config.BURROW_MAX_NAMES }),
    timeoutMs,
    "name reservation",
  ).catch((error: unknown) => {
    // Over the limit: names are released on the dashboard, which a terminal user may not know.
    if (isAppError(error) && error.code === "forbidden") {
      throw new AppError(
        "forbidden",
        `${error.message} Names are released on the dashboard: ${namesPage(config)}`,
      );
    }
    throw error;
  });
  const relay = relayAddress(config);
  return [
    `Reserved ${reservation.name}: ${tunnelUrl(config, reservation.name)}`,
    "Connect with:",
    `  ${sshCommand({ ...relay, name: reservation.name }, appPort)}`,
  ].join("\n");
}

const LOGS_HELP = `logs <name> [options]: a name's latest requests, oldest first, times in UTC
  -n N            how many (1-200, default 20)
  -f, --follow    keep printing new requests as they are answered, until Ctrl-C
  --status S      a class (2xx, 3xx, 4xx, 5xx) or one code such as 404
  --method M      one HTTP method, e.g. POST
  --path TEXT     paths containing TEXT (any case)
  --header TEXT   request or response headers containing TEXT
  --body TEXT     kept bodies containing TEXT
  --ip ADDR       one visitor's requests
  --since D       the last D: 30s, 15m, 2h, 7d
  --from TIME     from TIME on: 2026-12-05T14:00 (UTC), or with a zone: 2026-12-05T14:00+01:00
  --to TIME       before TIME (not with -f)
A value with spaces is quoted twice, once for your shell and once for the relay:
  ssh … 'logs myapp --path "/a b"'`;

/**
 * The latest requests to one of the user's names, oldest first, as `burrow logs` prints them but
 * with times in UTC (the relay's own time zone is not the user's). With --follow it goes on printing
 * new ones until the user leaves: for a tunnel opened with -N, whose connection has no session to
 * print them in, or to watch from another terminal.
 */
async function logs(context: CommandContext, args: string[]): Promise<CommandResult> {
  const { db, userId, timeoutMs, output } = context;
  const { values, positionals } = parseCommandArgs(
    args,
    {
      limit: { type: "string", short: "n" },
      follow: { type: "boolean", short: "f" },
      ...FILTER_ARGS,
    },
    { required: ["name"] },
  );
  const limit = parseCount(values.limit, "-n must be a whole number from 1 to 200");
  const filter = filtersFromOptions(positionals[0]!, values, Date.now(), { utc: true });
  // Someone else's name reads as no name at all (getNameForUser), before any log is read.
  const own = await withTimeout(getNameForUser(db, userId, filter.name), timeoutMs, "name check");
  const filters = { ...filter, name: own.name };
  // The time limit is for a database that stopped answering, so it bounds each of the search's
  // short statements, not the search of a busy log, which may take several.
  const eachRead = <T>(read: Promise<T>) => withTimeout(read, timeoutMs, "request log");
  const list = (upTo: string | undefined) => newestRequestLogs(db, filters, limit, { eachRead, upTo });
  // A follow takes the requests waiting for the app with its first lines, to print those it left
  // out once answered.
  const { rows, tailFrom, waiting } = values.follow
    ? await listRequestLogsForTail(db, filters, { view: "follow", eachRead }, list)
    : { ...(await list(undefined)), waiting: [] };
  const line = (row: RequestLogRow) => formatLine(toCells(row, utc));
  const header = formatLine(["TIME (UTC)", ...LOG_HEADERS.slice(1)]);
  if (!values.follow) {
    if (rows.length === 0) {
      const text = hasFilterOptions(values)
        ? `No requests to ${own.name} match these filters`
        : `No requests to ${own.name} yet`;
      return { text, code: 0 };
    }
    return { text: [header, ...rows.reverse().map(line)].join("\n"), code: 0 };
  }
  const shown = rows.reverse();
  output.note(`Following ${own.name}'s requests; Ctrl-C to stop.`);
  output.print(header);
  for (const row of shown) output.print(line(row));
  // A name released while followed may be reserved by someone else, whose requests must not show
  // here: before printing, the name is checked to still be the user's (at most every few seconds).
  let checkedAt = 0;
  let stillYours = true;
  let stop = () => {};
  const notYours = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const print = async (row: RequestLogRow) => {
    if (Date.now() - checkedAt > OWNER_RECHECK_MS) {
      checkedAt = Date.now();
      try {
        await getNameForUser(db, userId, own.name);
      } catch (error) {
        if (!isAppError(error)) throw error;
        stillYours = false;
        stop();
      }
    }
    if (stillYours) output.print(line(row));
  };
  try {
    await followRequestLogs({
      db,
      feed: context.feed,
      filters,
      shown,
      tailFrom,
      waiting,
      print,
      stopped: Promise.race([output.closed, notYours]),
      unreadable: (error) => {
        context.logger.warn("ssh logs --follow cannot read the log", { error: errorText(error) });
        output.note("Burrow cannot read the log right now; trying again every 2 s (Ctrl-C to stop).");
      },
      recovered: () => output.note("Reading the log again."),
    });
  } catch (error) {
    // The user left, or the relay is closing its connections: nobody to tell.
    if (output.isClosed) return { text: "", code: 0 };
    throw error;
  }
  if (stillYours) return { text: "", code: 0 };
  return { text: `${own.name} is no longer yours: stopped following it.`, code: 1 };
}

/** How often a follower checks the name is still the user's, when requests arrive. */
const OWNER_RECHECK_MS = 5_000;

/** The column is 19 wide; "(UTC)" in its header says the zone. */
function utc(at: Date): string {
  return at.toISOString().slice(0, 19).replace("T", " ");
}
