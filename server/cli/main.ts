/**
 * `npm run burrow -- <command>`: the admin CLI, and `npm start` (= `burrow start`).
 * One file per command under commands/, listed with their help in command-table.ts; this file only
 * dispatches, loads `.env` and turns errors into one line on stderr with a non-zero exit code.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import type { Env } from "../../lib/env.ts";
import { type AppError, isAppError } from "../../lib/errors.ts";
import { BURROW_VERSION } from "../burrow-version.ts";
import { type Command, type CommandContext, commandDetails, UsageError } from "./command.ts";
import { COMMANDS } from "./command-table.ts";

const PROGRAM = "npm run burrow --";

/** Inputs whose validation messages are written for a form, next to the field. */
const AMBIGUOUS_FIELDS = new Set(["email", "password", "label"]);

function usageLine(command: Command): string {
  return `${PROGRAM} ${command.name}${command.synopsis ? ` ${command.synopsis}` : ""}`;
}

/** The widest usage line a mistake is followed by; a longer one (logs') is folded (overviewSynopsis). */
const MISTAKE_USAGE_WIDTH = 100;

/**
 * The usage line printed under a mistake: whole when it fits on a line, else with the options
 * folded into "[options]". logs' whole one ran over five lines of a terminal after every mistake,
 * which the hint to --help already covers.
 */
function mistakeUsageLine(command: Command): string {
  const whole = `Usage: ${usageLine(command)}`;
  return whole.length <= MISTAKE_USAGE_WIDTH ? whole : `Usage: ${PROGRAM} ${overviewSynopsis(command)}`;
}

/** Where the overview's summaries start; a longer synopsis puts its summary on the next line. */
const SUMMARY_COLUMN = 34;

/**
 * A command as the overview lists it: in full when short, else its arguments with the options
 * folded into "[options]" (`logs --help` has them all).
 */
function overviewSynopsis(command: Command): string {
  const full = `${command.name} ${command.synopsis}`.trimEnd();
  if (full.length <= SUMMARY_COLUMN) return full;
  const [first = ""] = command.synopsis.split(" | ");
  const positionals = first.replace(/\s*\[--[^\]]*\]/g, "").trim();
  const folded = positionals === first.trim() ? "" : " [options]";
  return `${command.name} ${positionals}${folded}`.trimEnd();
}

function overview(): string {
  const lines = COMMANDS.flatMap((c) => {
    const synopsis = overviewSynopsis(c);
    return synopsis.length <= SUMMARY_COLUMN
      ? [`  ${synopsis.padEnd(SUMMARY_COLUMN)}  ${c.summary}`]
      : [`  ${synopsis}`, `  ${"".padEnd(SUMMARY_COLUMN)}  ${c.summary}`];
  });
  return [
    `Usage: ${PROGRAM} <command> [options]   (npm start = ${PROGRAM} start)`,
    "",
    "Commands:",
    ...lines,
    "",
    `Run "${PROGRAM} <command> --help" for a command's options. Settings: see .env.example.`,
    "Exit status: 0 done, 1 it could not be done, 2 a mistake in the command or what it was given.",
    `${PROGRAM} --version (-V, version) prints Burrow's version.`,
  ].join("\n");
}

async function commandHelp(
  command: Command,
  environment: Record<string, string | undefined>,
): Promise<string> {
  const details = await commandDetails(command, environment);
  return [`Usage: ${usageLine(command)}`, "", command.summary, ...(details ? ["", details] : [])].join("\n");
}

/** Finds the command named by the first one or two words; the rest are its arguments. */
function findCommand(argv: string[]): { command?: Command; args: string[]; group?: string } {
  const [first = "", second = ""] = argv;
  const two = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === first);
  if (one) return { command: one, args: argv.slice(1) };
  const isGroup = COMMANDS.some((c) => c.name.startsWith(`${first} `));
  return { args: argv.slice(1), group: isGroup ? first : undefined };
}

/**
 * Settings from the environment, over a `.env` file in the working directory when there is one
 * (the environment wins, as with Next.js and most tools).
 */
function readEnvironment(): Record<string, string | undefined> {
  const fromFile = existsSync(".env") ? parseEnv(readFileSync(".env", "utf8")) : {};
  return { ...fromFile, ...process.env };
}

/**
 * stdout or stderr whose reader went away (`logs -f | head -3` once head has its lines). Node
 * ignores SIGPIPE, so each write would fail with EPIPE, and an unhandled one printed a stack
 * trace. Writes to a closed stream are dropped instead, and `onClosed` runs once, with the
 * signal a C program would have died of.
 */
function watchClosedOutput(onClosed: (signal: NodeJS.Signals) => void): {
  write(stream: NodeJS.WriteStream, text: string): void;
} {
  const closed = new Set<NodeJS.WriteStream>();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      // After the first EPIPE, a write that slipped past (the dashboard's lines) finds it destroyed.
      if (error.code !== "EPIPE" && !(closed.has(stream) && error.code === "ERR_STREAM_DESTROYED"))
        throw error;
      closed.add(stream);
      onClosed("SIGPIPE");
    });
  }
  return {
    write(stream, text) {
      if (!closed.has(stream)) stream.write(text);
    },
  };
}

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP (the terminal closed), or when the output's
 * reader is gone (SIGPIPE: nobody would see what a follow prints); a second one exits at once,
 * for a stuck shutdown.
 */
function interruptedOnce(): {
  interrupted: () => Promise<NodeJS.Signals>;
  onSignal: (signal: NodeJS.Signals) => void;
} {
  let promise: Promise<NodeJS.Signals> | undefined;
  let resolvePromise: ((signal: NodeJS.Signals) => void) | undefined;
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A pipe closes once, but every later write says so again: that is no second request.
    if (signal === "SIGPIPE" && received) return;
    if (received && received !== "SIGPIPE") {
      process.stderr.write(`burrow: ${signal} again, exiting without cleaning up\n`);
      process.exit(130);
    }
    received = signal;
    resolvePromise?.(signal);
  };
  return {
    onSignal,
    interrupted: () => {
      promise ??= new Promise((resolve) => {
        resolvePromise = resolve;
        if (received) resolve(received);
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        process.on("SIGHUP", onSignal);
      });
      return promise;
    },
  };
}

/**
 * The exit status of an expected failure: 2 for what was typed (an email that is none, a short
 * password, a file that is no public key), as for a mistake in the call itself (UsageError), so a
 * script can tell "fix the command" from 1, "it could not be done" (no such account, a name taken,
 * the database away).
 */
function exitCodeOf(error: AppError): number {
  return error.code === "invalid_input" ? 2 : 1;
}

async function main(given: string[]): Promise<number> {
  const { interrupted, onSignal } = interruptedOnce();
  const output = watchClosedOutput(onSignal);
  // `help logs`, as git and npm take it: that command's help, not the whole list.
  const argv = given[0] === "help" && given.length > 1 ? [...given.slice(1), "--help"] : given;
  // `version` too, as the relay's ssh command is spelled (and git's).
  if (["--version", "-V", "version"].includes(argv[0] ?? "")) {
    const rest = argv.slice(1);
    if (rest.length === 0) {
      output.write(process.stdout, `burrow ${BURROW_VERSION}\n`);
      return 0;
    }
    // `version --help` and `help version`: it is a command like the others to whoever asks.
    if (rest.every((arg) => arg === "--help" || arg === "-h")) {
      output.write(
        process.stdout,
        `Usage: ${PROGRAM} version   (or --version, -V)\n\nPrints Burrow's version.\n`,
      );
      return 0;
    }
    output.write(process.stderr, `burrow version: takes no arguments (got "${rest.join(" ")}")\n`);
    return 2;
  }
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  if (argv.length === 0 || argv[0] === "help" || (wantsHelp && argv[0]?.startsWith("-"))) {
    output.write(process.stdout, `${overview()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const { command, args, group } = findCommand(argv);
  if (!command) {
    if (group) {
      const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
      const text = members.map((c) => `  ${usageLine(c)}\n      ${c.summary}`).join("\n");
      if (wantsHelp) {
        // As every other --help: the Usage line first.
        output.write(
          process.stdout,
          `Usage: ${PROGRAM} ${group} <command> [options]\n\nCommands:\n${text}\n`,
        );
        return 0;
      }
      output.write(
        process.stderr,
        `burrow: ${argv[1] ? `unknown command "${group} ${argv[1]}"` : `"${group}" needs a subcommand`}. Use one of:\n${text}\n`,
      );
      return 2;
    }
    output.write(
      process.stderr,
      `burrow: unknown command "${argv[0]}". Run "${PROGRAM} --help" for the list.\n`,
    );
    return 2;
  }
  if (wantsHelp) {
    output.write(process.stdout, `${await commandHelp(command, readEnvironment())}\n`);
    return 0;
  }
  const environment = readEnvironment();
  // Loaded here, not at the top: help and --version need neither zod nor the command's packages.
  const [run, { loadEnv }, { PromptCancelled }] = await Promise.all([
    command.load(),
    import("../../lib/env.ts"),
    import("./prompt.ts"),
  ]);
  let env: Env | undefined;
  const context: CommandContext = {
    args,
    environment,
    env: () => {
      env ??= loadEnv(environment);
      return env;
    },
    out: (line = "") => output.write(process.stdout, `${line}\n`),
    note: (line) => output.write(process.stderr, `${line}\n`),
    interrupted,
  };
  try {
    return await run(context);
  } catch (error) {
    if (error instanceof UsageError) {
      // Where the command's options are explained, for every mistake in how it was called.
      output.write(
        process.stderr,
        `burrow ${command.name}: ${error.message} (see "${PROGRAM} ${command.name} --help")\n${mistakeUsageLine(command)}\n`,
      );
      return 2;
    }
    if (error instanceof PromptCancelled) {
      output.write(process.stderr, `burrow ${command.name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (isAppError(error)) {
      // Expected failures: the message is the whole story. Name the field where a form's message
      // ("Use at least 10 characters") would be unclear on its own.
      const field = Object.keys(error.fieldErrors ?? {})[0] ?? "";
      const prefix = error.code === "invalid_input" && AMBIGUOUS_FIELDS.has(field) ? `${field}: ` : "";
      output.write(process.stderr, `burrow ${command.name}: ${prefix}${error.message}\n`);
      return exitCodeOf(error);
    }
    output.write(process.stderr, `burrow ${command.name}: unexpected error: ${String(error)}\n`);
    if (error instanceof Error && error.stack) output.write(process.stderr, `${error.stack}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`burrow: ${String(error)}\n`);
    process.exit(1);
  },
);
