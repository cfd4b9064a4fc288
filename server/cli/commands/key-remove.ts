import { AppError } from "../../../lib/errors.ts";
import { deleteKey, type ListedKey, listKeys } from "../../../lib/ssh-keys/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import { sanitize } from "../../ssh/terminal.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";

/** `burrow key remove`; its help and usage line are in ../command-table.ts. */
export async function runKeyRemove(context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(context.args, {}, { required: ["email", "fingerprint|label"] });
  const [email = "", which = ""] = positionals;
  return withDatabase(context.env(), async (db) => {
    const user = await getUserByEmail(db, email);
    const key = pickKey(await listKeys(db, user.id), which, user.email);
    await deleteKey(db, user.id, key.id);
    const closed =
      key.connectedNames.length > 0 ? `; closed its tunnels: ${key.connectedNames.join(", ")}` : "";
    context.out(`Removed key "${sanitize(key.label)}" ${key.fingerprint} of ${user.email}${closed}`);
    return 0;
  });
}

/** The one key `which` names: its fingerprint (with or without "SHA256:") or its label. */
function pickKey(keys: ListedKey[], which: string, email: string): ListedKey {
  const fingerprint = which.startsWith("SHA256:") ? which : `SHA256:${which}`;
  const byFingerprint = keys.find((k) => k.fingerprint === fingerprint);
  if (byFingerprint) return byFingerprint;
  const byLabel = keys.filter((k) => k.label.toLowerCase() === which.toLowerCase());
  if (byLabel.length === 1) return byLabel[0]!;
  if (byLabel.length > 1) {
    throw new AppError(
      "conflict",
      `${byLabel.length} keys of ${email} are labelled "${sanitize(which)}": give the fingerprint instead (${byLabel.map((k) => k.fingerprint).join(", ")})`,
    );
  }
  throw new AppError(
    "not_found",
    `${email} has no key with the fingerprint or label "${sanitize(which)}" ("key list ${email}" shows them)`,
  );
}
