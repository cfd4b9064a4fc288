import { normaliseName } from "../../../lib/names/rules.ts";
import { releaseAnyName } from "../../../lib/names/service.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";

export const nameRelease: Command = {
  name: "name release",
  synopsis: "<name>",
  summary: "Release a name, whoever owns it (not while its tunnel is up)",
  details:
    "The name's request logs are deleted with it, so a next owner cannot read them. A random name " +
    "(kept for the user it was given to for good) is freed the same way.",
  async run(context) {
    const { positionals } = parseCommandArgs(context.args, {}, { required: ["name"] });
    const name = normaliseName(positionals[0] ?? "");
    // `name reserve` takes an email first; this one does not, since a name has one owner.
    if (name.includes("@")) {
      throw new UsageError(
        `"${name}" is an email: give the name to release ("name list ${name}" shows that user's names)`,
      );
    }
    await withDatabase(context.env(), (db) => releaseAnyName(db, name));
    context.out(`Released ${name}`);
    return 0;
  },
};
