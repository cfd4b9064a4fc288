import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Env } from "../../lib/env.ts";

/** What every command gets: its arguments and the environment, parsed only when it asks. */
export interface CommandContext {
  /** Arguments after the command's own name(s). */
  args: string[];
  /** The raw environment (process.env over `.env`), for child processes and CLI-only inputs. */
  environment: Record<string, string | undefined>;
  /** The validated settings; throws AppError("config") on a bad setting. Parsed once. */
  env(): Env;
  out(line?: string): void;
  /** Progress and notes go to stderr, so stdout stays clean for tables. */
  note(line: string): void;
  /**
   * Resolves on the first Ctrl-C or SIGTERM. Calling it takes over those signals (the default is to
   * die at once), so only long-running commands that clean up on exit call it.
   */
  interrupted(): Promise<NodeJS.Signals>;
}

/** What runs a command; resolves to the exit code. */
export type CommandRun = (context: CommandContext) => Promise<number>;

/**
 * A command as `burrow --help` lists it, and how to load it. Only the command being run is loaded
 * (commands/*.ts, each a chunk of the bundle), so `burrow --version` or `user list` does not load
 * the relay's packages (ssh2, acme-client…), and help loads neither Prisma nor the database.
 */
export interface Command {
  /** As typed: "start", "user add". */
  name: string;
  /** Positional arguments for the usage line, e.g. "<email> [--admin]". */
  synopsis: string;
  /** One line for `burrow --help`. */
  summary: string;
  /**
   * Further `--help` text: options and examples. A function for a text that shows a setting (the
   * SSH port in an example), from the raw environment; it must not throw on a bad setting: help is
   * what one reads while fixing them. It may resolve later, to load what it reads the setting with.
   */
  details?: string | ((environment: Record<string, string | undefined>) => string | Promise<string>);
  /** Imports the command's module: its run function. */
  load(): Promise<CommandRun>;
}

/** A command's further `--help` text, with the settings it shows read from `environment`. */
export async function commandDetails(
  command: Command,
  environment: Record<string, string | undefined>,
): Promise<string | undefined> {
  return typeof command.details === "function" ? command.details(environment) : command.details;
}

/** A mistake in how the command was called: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * node:util parseArgs in strict mode with its errors turned into UsageError, checking the number
 * of positionals: `required` must be there, up to `optional` more may follow.
 */
export function parseCommandArgs<const O extends Options>(
  args: string[],
  options: O,
  counts: { required: string[]; optional?: string[] },
) {
  const { required, optional = [] } = counts;
  const parsed = parseWithDashedWords(args, options, required.length);
  const given = parsed.positionals.length;
  if (given < required.length) {
    throw new UsageError(
      `missing ${required
        .slice(given)
        .map((p) => `<${p}>`)
        .join(" ")}`,
    );
  }
  if (given > required.length + optional.length) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(parsed.positionals[required.length + optional.length])}`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function parseStrict<const O extends Options>(args: string[], options: O) {
  return parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
}

/**
 * parseArgs, but for a word of one dash whose first letter is no option of the command (`name
 * reserve ann@example.com -abc`): parseArgs reads it as the flags -a -b -c and says "unknown option
 * -a", a letter nobody typed alone. While an argument the command needs is missing, the word is
 * that argument, for the command to check as the name (or email) it stands for; otherwise it is an
 * unknown option, named as typed. Two dashes (`--jsn`) always make an option, a lone `-x` too.
 */
function parseWithDashedWords<const O extends Options>(args: string[], options: O, needed: number) {
  try {
    return parseStrict(args, options);
  } catch (error) {
    const dashed = dashedWords(args, options);
    const [first] = dashed;
    if (first === undefined) throw new UsageError(argumentProblem(error));
    let parsed: ReturnType<typeof parseStrict<O>>;
    try {
      // Each such word swapped for one parseArgs takes as a positional; the tokens' indexes tell
      // which positional was which word.
      parsed = parseStrict(
        args.map((arg, i) => (dashed.has(i) ? "word" : arg)),
        options,
      );
    } catch (other) {
      // Something else was wrong too (`--jsn`): that is the mistake to name.
      throw new UsageError(argumentProblem(other));
    }
    const positionals = parsed.tokens.flatMap((token) =>
      token.kind === "positional"
        ? [{ value: args[token.index] ?? token.value, dashed: dashed.has(token.index) }]
        : [],
    );
    if (positionals.filter((p) => !p.dashed).length >= needed) {
      throw new UsageError(`unknown option ${args[first]}`);
    }
    return { values: parsed.values, positionals: positionals.map((p) => p.value) };
  }
}

/** Where `args` has a word of one dash whose first letter is no short option, before any "--". */
function dashedWords(args: string[], options: Options): Set<number> {
  const shorts = new Set(Object.values(options).map((option) => option.short));
  const words = new Set<number>();
  for (const [i, arg] of args.entries()) {
    if (arg === "--") break;
    // `--path -abc`: parseArgs refuses the value (write --path=-abc); not a positional either.
    const isValue = takesValue(args[i - 1] ?? "", options);
    if (/^-[^-]./.test(arg) && !shorts.has(arg[1]) && !isValue) words.add(i);
  }
  return words;
}

/** Whether the word is an option that takes the next word as its value (`--path`, `-n`, `-fn`). */
function takesValue(word: string, options: Options): boolean {
  if (word.startsWith("--")) return !word.includes("=") && options[word.slice(2)]?.type === "string";
  if (!word.startsWith("-")) return false;
  const letters = [...word.slice(1)];
  for (const [i, letter] of letters.entries()) {
    const option = Object.values(options).find((o) => o.short === letter);
    if (!option) return false;
    // The rest of the word is its value (`-n5`), or the next word is (`-fn`).
    if (option.type === "string") return i === letters.length - 1;
  }
  return false;
}

/**
 * parseArgs' errors in our own words ("Unknown option '--frob'. To specify a positional…",
 * "Option '--delete <value>' argument missing"), the same for the CLI and the relay's commands.
 */
function argumentProblem(error: unknown): string {
  const whole = error instanceof Error ? error.message : String(error);
  const message = whole.split("\n")[0] ?? "";
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  // The option as typed, or its long form when Node names both ("-n, --limit <value>").
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  const option = (quoted.split(", ").at(-1) ?? quoted).replace(/ <value>$/, "");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (message.endsWith("argument missing")) return `${option} needs a value`;
    if (message.endsWith("does not take an argument")) return `${option} takes no value`;
    // `--path -abc`, `-n --`: taken for a forgotten value, which it most often is.
    if (message.endsWith("argument is ambiguous.")) {
      const long = /use '(--[^=']+)=-XYZ'/.exec(whole)?.[1] ?? option;
      return `${option} needs a value; one that starts with - is written ${long}=-…`;
    }
  }
  // Anything else: Node's first sentence, without its advice about "--".
  return message.replace(/\. To specify a positional argument.*$/, "") || "invalid arguments";
}

/**
 * `name reserve myapp ann@example.com`: the arguments in the wrong order read as "Enter a valid
 * email address" or "No such file: ann@example.com". Said as what it is, before anything is read.
 */
export function assertEmailFirst(positionals: string[], synopsis: string): void {
  const [first = "", ...rest] = positionals;
  if (!first.includes("@") && rest.some((argument) => argument.includes("@"))) {
    throw new UsageError(`the email comes first: ${synopsis}`);
  }
}
