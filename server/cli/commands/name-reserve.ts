import { envSchema, tunnelUrl } from "../../../lib/env.ts";
import { invalidNameMessage } from "../../../lib/names/rules.ts";
import { reserveName } from "../../../lib/names/service.ts";
import { getUserByEmail } from "../../../lib/users/service.ts";
import type { Command } from "../command.ts";
import { assertEmailFirst, parseCommandArgs, UsageError } from "../command.ts";
import { withDatabase } from "../database.ts";

/** The help's example, with `-p <port> ` as ssh takes the relay's port. */
function reserveExample(portOption: string): string {
  return `Example:
  npm run burrow -- name reserve ann@example.com myapp
  then, as ann: ssh -R myapp:80:localhost:8000 ${portOption}<relay host>`;
}

/**
 * `-p 2322 ` from BURROW_SSH_PORT alone, so that another bad setting does not hide it: help is read
 * while fixing them. None for 22, ssh's own, as the summary `start` prints leaves it out. The
 * setting's name for a value that is no port, or 0 (a free port each start).
 */
function sshPortOption(environment: Record<string, string | undefined>): string {
  // Left empty in .env it is unset, the default, as loadEnv has it.
  const port = envSchema.in.shape.BURROW_SSH_PORT.safeParse(environment.BURROW_SSH_PORT || undefined);
  if (!port.success || port.data === 0) return "-p <BURROW_SSH_PORT> ";
  return port.data === 22 ? "" : `-p ${port.data} `;
}

export const nameReserve: Command = {
  name: "name reserve",
  synopsis: "<email> <name>",
  summary: "Reserve a tunnel name for an account (BURROW_MAX_NAMES applies)",
  details: (environment) => reserveExample(sshPortOption(environment)),
  async run(context) {
    const { positionals } = parseCommandArgs(context.args, {}, { required: ["email", "name"] });
    assertEmailFirst(positionals, "name reserve <email> <name>");
    const [email = "", name = ""] = positionals;
    // Said before any database is opened, and as a mistake in the call (exit 2), as `name
    // disconnect` and `logs` say it.
    const invalid = invalidNameMessage(name);
    if (invalid) throw new UsageError(invalid);
    const env = context.env();
    const reservation = await withDatabase(env, async (db) => {
      const user = await getUserByEmail(db, email);
      // The admin is told about that account, not "you have reached your limit".
      return reserveName(db, user.id, name, { maxNames: env.BURROW_MAX_NAMES, account: user.email });
    });
    context.out(
      `Reserved ${reservation.name} for ${email.trim().toLowerCase()}: ${tunnelUrl(env, reservation.name)}`,
    );
    return 0;
  },
};
