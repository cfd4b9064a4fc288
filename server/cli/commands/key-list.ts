import { listKeys } from "../../../lib/ssh-keys/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

export const keyList: Command = {
  name: "key list",
  synopsis: "<email>",
  summary: "List an account's SSH keys",
  async run(context) {
    const { positionals } = parseCommandArgs(context.args, {}, { required: ["email"] });
    const keys = await withDatabase(context.env(), async (db) =>
      listKeys(db, (await getUserByEmail(db, positionals[0] ?? "")).id),
    );
    if (keys.length === 0) {
      context.out("No keys. Add one with: npm run burrow -- key add <email> ~/.ssh/id_ed25519.pub");
      return 0;
    }
    context.out(
      formatTable(
        ["label", "type", "fingerprint", "added", "last used", "connected now"],
        keys.map((k) => [
          k.label,
          `${k.algorithm} ${k.bits}`,
          k.fingerprint,
          formatTime(k.createdAt),
          formatTime(k.lastUsedAt),
          k.connectedNames.join(", ") || "-",
        ]),
      ),
    );
    return 0;
  },
};
