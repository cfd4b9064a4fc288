import { access, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { text } from "node:stream/consumers";
import { AppError } from "../../../lib/errors.ts";
import { addKey } from "../../../lib/ssh-keys/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import { sanitize } from "../../ssh/terminal.ts";
import type { CommandContext } from "../command.ts";
import { assertEmailFirst, parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";

/** A line of a .pub or authorized_keys file that is a key of its own ("ssh-ed25519 AAAA…"). */
const KEY_LINE = /^(ssh-|ecdsa-|sk-)\S+\s+AAAA/;

/** `burrow key add`; its help and usage line are in ../command-table.ts. */
export async function runKeyAdd(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { label: { type: "string" } },
    { required: ["email", "public-key-file"] },
  );
  assertEmailFirst(positionals, "key add <email> <public-key-file>");
  const [email = "", file = ""] = positionals;
  const env = context.env();
  // `npm run` runs this in the project's root: a path typed relative to the shell's directory is
  // found from there (npm names it INIT_CWD), not from the root.
  const path = file === "-" ? file : resolve(context.environment.INIT_CWD ?? process.cwd(), file);
  const publicKey = await readKeyFile(path, file);
  // "Paste a public key" (the dashboard form's words) is no help when nothing was read.
  if (publicKey.trim() === "") {
    throw new AppError(
      "invalid_input",
      file === "-"
        ? `Nothing came on stdin: pipe the public key in, e.g. cat ~/.ssh/id_ed25519.pub | npm run burrow -- key add ${email} -`
        : `${file} is empty: give the public key file (e.g. ~/.ssh/id_ed25519.pub)`,
    );
  }
  if (/PRIVATE KEY/.test(publicKey))
    throw new AppError("invalid_input", await privateKeyMessage(path, file, email));
  // An authorized_keys file, or two .pub files catted together: "Paste one key at a time" is the
  // dashboard form's wording, and says neither how many there are nor how to add them here.
  const keyLines = publicKey.split("\n").filter((line) => KEY_LINE.test(line.trim())).length;
  if (keyLines > 1) {
    const source = file === "-" ? "The input" : file;
    throw new AppError(
      "invalid_input",
      `${source} holds ${keyLines} public keys: add them one at a time, e.g. ` +
        `sed -n 1p ${file === "-" ? "<file>" : file} | npm run burrow -- key add ${email} -`,
    );
  }
  const { key, owner } = await withDatabase(env, async (db) => {
    const user = await getUserByEmail(db, email);
    const added = await addKey(db, user.id, { label: values.label ?? "", publicKey }, user.email);
    return { key: added, owner: user.email };
  });
  context.out(`Added ${key.algorithm} key "${sanitize(key.label)}" ${key.fingerprint} to ${owner}`);
  return 0;
}

/**
 * A private key given by mistake (the file next to the .pub, which tab completion reaches first):
 * the public one is named, as a command to run instead, when it is there.
 */
async function privateKeyMessage(path: string, file: string, email: string): Promise<string> {
  const source = file === "-" ? "That" : file;
  const hasPublic =
    file !== "-" &&
    (await access(`${path}.pub`).then(
      () => true,
      () => false,
    ));
  return (
    `${source} is a PRIVATE key: it should stay where it is, and Burrow does not need it. ` +
    (hasPublic
      ? `Register its public key instead: npm run burrow -- key add ${email} ${file}.pub`
      : "Give the public key file instead (it ends in .pub, e.g. ~/.ssh/id_ed25519.pub).")
  );
}

/**
 * Reads the key at `path`, `file` as the user typed it (for messages). A path that names no file is
 * a mistake in the call (invalid_input, exit 2); one that cannot be read is not (exit 1).
 */
async function readKeyFile(path: string, file: string): Promise<string> {
  if (path === "-") return text(process.stdin);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new AppError("invalid_input", `No such file: ${file}`);
    if (code === "EISDIR") {
      throw new AppError(
        "invalid_input",
        `${file} is a directory: give the public key file in it (e.g. ${join(file, "id_ed25519.pub")})`,
      );
    }
    const why = code === "EACCES" ? "permission denied" : (code ?? String(error));
    throw new AppError("unavailable", `Cannot read ${file}: ${why}`);
  }
}
