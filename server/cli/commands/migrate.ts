import { migrate } from "../../../lib/db/migrate.ts";
import { AppError } from "../../../lib/errors.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { explainConnectionError, resolveDatabase } from "../database.ts";

/** `burrow migrate`; its help and usage line are in ../command-table.ts. */
export async function runMigrate(context: CommandContext): Promise<number> {
  parseCommandArgs(context.args, {}, { required: [] });
  const database = await resolveDatabase(context.env());
  try {
    const result = await migrate(database.url, undefined, { note: context.note }).catch((error: unknown) => {
      throw asMigrationError(explainConnectionError(error, database.url));
    });
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
}

/** The runner's own failures (a changed or broken migration) are meant to be read, not debugged. */
export function asMigrationError(error: unknown): unknown {
  if (error instanceof Error && /^Migration /.test(error.message)) {
    return new AppError("unavailable", error.message);
  }
  return error;
}
