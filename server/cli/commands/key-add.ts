import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { AppError } from "../../../lib/errors.ts";
import { addKey } from "../../../lib/ssh-keys/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";

export const keyAdd: Command = {
  name: "key add",
  synopsis: "<email> <public-key-file> [--label TEXT]",
  summary: "Register an SSH public key for an account (- reads stdin)",
  details: `Options:
  --label TEXT   a name for the key (default: the key's comment)

Examples:
  npm run burrow -- key add ann@example.com ~/.ssh/id_ed25519.pub
  cat id_ed25519.pub | npm run burrow -- key add ann@example.com -`,
  async run(context) {
    const { values, positionals } = parseCommandArgs(
      context.args,
      { label: { type: "string" } },
      { required: ["email", "public-key-file"] },
    );
    const [email = "", file = ""] = positionals;
    const env = context.env();
    const publicKey = await readKeyFile(file);
    const key = await withDatabase(env, async (db) => {
      const user = await getUserByEmail(db, email);
      return addKey(db, user.id, { label: values.label ?? "", publicKey });
    });
    context.out(`Added ${key.algorithm} key "${key.label}" ${key.fingerprint}`);
    return 0;
  },
};

async function readKeyFile(file: string): Promise<string> {
  if (file === "-") return text(process.stdin);
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError(
      "invalid_input",
      code === "ENOENT" ? `No such file: ${file}` : `Cannot read ${file}: ${code ?? String(error)}`,
    );
  }
}
