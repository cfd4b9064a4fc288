import { migrate } from "../../../lib/db/migrate.ts";
import { AppError } from "../../../lib/errors.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { explainConnectionError, resolveDatabase } from "../database.ts";

export const migrateCommand: Command = {
  name: "migrate",
  synopsis: "",
  summary: "Apply pending database migrations (start and relay do this too)",
  details: `Applies the migrations this Burrow has and the database lacks, each in one transaction, then
exits; a database a newer Burrow migrated is left as it is. start and relay do the same every time
they start: after checking that no other relay runs on the database, before they serve. Other
commands never upgrade a database an older Burrow migrated: they stop and point here. Stop the
relays running on the database first: an older one does not know what the migrations add.`,
  async run(context) {
    parseCommandArgs(context.args, {}, { required: [] });
    const database = await resolveDatabase(context.env());
    try {
      const result = await migrate(database.url, undefined, { note: context.note }).catch(
        (error: unknown) => {
          throw asMigrationError(explainConnectionError(error, database.url));
        },
      );
      for (const name of result.applied) context.out(`Applied ${name}`);
      context.out(
        result.applied.length === 0
          ? `The database is up to date (${result.alreadyApplied} migrations)`
          : `Applied ${result.applied.length} migration(s); ${result.alreadyApplied} were already applied`,
      );
    } finally {
      await database.release();
    }
    return 0;
  },
};

/** The runner's own failures (a changed or broken migration) are meant to be read, not debugged. */
export function asMigrationError(error: unknown): unknown {
  if (error instanceof Error && /^Migration /.test(error.message)) {
    return new AppError("unavailable", error.message);
  }
  return error;
}
