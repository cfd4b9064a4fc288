import { AppError } from "../../lib/errors.ts";
import { passwordSchema } from "../../lib/users/schemas.ts";
import { parseInput } from "../../lib/validate.ts";

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
  process.stderr.write(question);
  input.setRawMode(true);
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
            reject(new AppError("invalid_input", "Cancelled"));
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

/** A new account password: BURROW_PASSWORD when set, else asked twice in the terminal. */
export async function readPassword(fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv;
  const first = await promptHidden("Password (at least 10 characters): ");
  // Check before asking again, so a too-short password fails at once.
  parseInput(passwordSchema, first);
  const again = await promptHidden("Repeat the password: ");
  if (again !== first) throw new AppError("invalid_input", "The passwords do not match");
  return first;
}
