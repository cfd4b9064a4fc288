import { AppError } from "../../lib/errors.ts";
import { passwordSchema } from "../../lib/users/schemas.ts";
import { parseInput } from "../../lib/validate.ts";

/** Ctrl-C at a prompt: the command stops, changing nothing, with the shell's exit status for it. */
export class PromptCancelled extends Error {
  readonly exitCode = 130;
  constructor() {
    super("Cancelled");
    this.name = "PromptCancelled";
  }
}

/**
 * Reads a line from the terminal without echoing it. Refuses when stdin is not a terminal: a
 * password piped in by accident would end up in shell history or process listings elsewhere, and
 * scripts have BURROW_PASSWORD.
 */
export async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    throw new AppError(
      "invalid_input",
      "No password given: set BURROW_PASSWORD, or run this in a terminal to be asked for one",
    );
  }
  // Raw before the question shows: whatever is typed once it has (Ctrl-C too) is read here.
  input.setRawMode(true);
  process.stderr.write(question);
  input.resume();
  input.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === "\r" || char === "\n" || char === "\u0004") {
            input.off("data", onData);
            process.stderr.write("\n");
            resolve(value);
            return;
          }
          if (char === "\u0003") {
            input.off("data", onData);
            process.stderr.write("\n");
            // Raw mode turns Ctrl-C into a character, not a SIGINT: answer it as the signal would.
            reject(new PromptCancelled());
            return;
          }
          if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
          else if (char >= " ") value += char;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}

/** Tries at a new password in the terminal before giving up, as passwd and sudo allow. */
const PASSWORD_TRIES = 3;

/**
 * A new account password: BURROW_PASSWORD when set, else asked twice in the terminal. A password
 * that is too short, or a repeat that does not match, is said and asked again (up to 3 tries), so
 * one slip does not mean typing the whole command again. `ask` and `say` are the terminal's (for
 * tests).
 */
export async function readPassword(
  fromEnv: string | undefined,
  ask: (question: string) => Promise<string> = promptHidden,
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<string> {
  if (fromEnv) return fromEnv;
  let failure: AppError | undefined;
  for (let attempt = 1; attempt <= PASSWORD_TRIES; attempt++) {
    if (failure) say(`${failure.message}. Try again (${attempt} of ${PASSWORD_TRIES}).`);
    const first = await ask("Password (at least 10 characters): ");
    try {
      // Checked before asking for the repeat, so a too-short password is said at once.
      parseInput(passwordSchema, first);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      failure = error;
      continue;
    }
    const again = await ask("Repeat the password: ");
    if (again === first) return first;
    failure = new AppError("invalid_input", "The passwords do not match");
  }
  // The last reason, as the command's error ("password: Use at least 10 characters").
  throw failure ?? new AppError("invalid_input", "No password given");
}
