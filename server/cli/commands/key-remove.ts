import { AppError } from "../../../lib/errors.ts";
import { deleteKey, type ListedKey, listKeys } from "../../../lib/ssh-keys/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import { sanitize } from "../../ssh/terminal.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";

export const keyRemove: Command = {
  name: "key remove",
  synopsis: "<email> <fingerprint|label>",
  summary: "Remove an account's SSH key (a lost laptop) and close the tunnels it opened",
  details: `The key is named by its fingerprint (SHA256:…, as "key list" shows it) or its label. No
--yes: a removed key can be added again. Its open tunnels close at once, each saying why.

Example:
  npm run burrow -- key remove ann@example.com SHA256:3FQ0s1bm0c0xVnq8b0wz8Q3Y3Y1Vf0ZlB7rk2mQhT1c`,
  async run(context) {
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
  },
};

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
