import { listKeys } from "../../../lib/ssh-keys/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { formatTable, formatTime } from "../format.ts";

/** `burrow key list`; its help and usage line are in ../command-table.ts. */
export async function runKeyList(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { json: { type: "boolean" } },
    { required: ["email"] },
  );
  const keys = await withDatabase(context.env(), async (db) =>
    listKeys(db, (await getUserByEmail(db, positionals[0] ?? "")).id),
  );
  if (values.json) {
    for (const k of keys) {
      context.out(
        JSON.stringify({
          label: k.label,
          algorithm: k.algorithm,
          bits: k.bits,
          fingerprint: k.fingerprint,
          createdAt: k.createdAt,
          lastUsedAt: k.lastUsedAt,
          connectedNames: k.connectedNames,
        }),
      );
    }
    return 0;
  }
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
}
