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

export interface Command {
  /** As typed: "start", "user add". */
  name: string;
  /** Positional arguments for the usage line, e.g. "<email> [--admin]". */
  synopsis: string;
  /** One line for `burrow --help`. */
  summary: string;
  /** Further `--help` text: options and examples. */
  details?: string;
  /** Resolves to the exit code. */
  run(context: CommandContext): Promise<number>;
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
  let parsed: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(argumentProblem(error));
  }
  const { required, optional = [] } = counts;
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

/**
 * parseArgs' errors in our own words ("Unknown option '--frob'. To specify a positional…",
 * "Option '--delete <value>' argument missing"), the same for the CLI and the relay's commands.
 */
function argumentProblem(error: unknown): string {
  const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  // The option as typed, or its long form when Node names both ("-n, --limit <value>").
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  const option = (quoted.split(", ").at(-1) ?? quoted).replace(/ <value>$/, "");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (message.endsWith("argument missing")) return `${option} needs a value`;
    if (message.endsWith("does not take an argument")) return `${option} takes no value`;
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
