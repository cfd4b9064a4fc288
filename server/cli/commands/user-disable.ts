import { setAccountDisabledByEmail } from "../../../lib/users/operator.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { CLOSE_WAIT_MS, waitForTunnelsClosed } from "../wait-for-close.ts";

/** `burrow user disable`; its help and usage line are in ../command-table.ts. */
export async function runUserDisable(context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(context.args, {}, { required: ["email"] });
  return withDatabase(context.env(), async (db) => {
    const { user, changed, closing } = await setAccountDisabledByEmail(db, positionals[0] ?? "", true);
    if (!changed) {
      context.out(
        `${user.email} is already disabled (npm run burrow -- user enable ${user.email} undoes it)`,
      );
      return 0;
    }
    if (closing.length === 0) {
      context.out(`Disabled ${user.email}; it is signed out of the dashboard`);
      return 0;
    }
    const left = await waitForTunnelsClosed(() =>
      db.tunnelSession.count({ where: { userId: user.id, endedAt: null } }),
    );
    if (left > 0) {
      context.note(
        `burrow user disable: disabled ${user.email}, but ${closing.join(", ")} ${closing.length === 1 ? "is" : "are"} ` +
          `still connected after ${CLOSE_WAIT_MS / 1000} s: check that the relay runs (npm start), then run ` +
          `"npm run burrow -- name disconnect <name>"`,
      );
      return 1;
    }
    context.out(
      `Disabled ${user.email}; it is signed out of the dashboard; closed its tunnels: ${closing.join(", ")}`,
    );
    return 0;
  });
}

/** `burrow user enable`; its help and usage line are in ../command-table.ts. */
export async function runUserEnable(context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(context.args, {}, { required: ["email"] });
  const { user, changed } = await withDatabase(context.env(), (db) =>
    setAccountDisabledByEmail(db, positionals[0] ?? "", false),
  );
  context.out(changed ? `Enabled ${user.email}` : `${user.email} is not disabled`);
  return 0;
}
