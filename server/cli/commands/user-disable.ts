import { setAccountDisabledByEmail } from "../../../lib/users/operator.ts";
import type { Command } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { CLOSE_WAIT_MS, waitForTunnelsClosed } from "../wait-for-close.ts";

export const userDisable: Command = {
  name: "user disable",
  synopsis: "<email>",
  summary: "Disable an account: signs it out, closes its tunnels, refuses its sign-ins and ssh keys",
  details: `Everything stays (names, keys, logs): "user enable" undoes it. The owner's ssh client is told
"closed by an administrator (account disabled)", and burrow-connect stops retrying. The only admin
cannot be disabled: make another account an admin first ("user role <email> admin").

Example:
  npm run burrow -- user disable ann@example.com`,
  async run(context) {
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
  },
};

export const userEnable: Command = {
  name: "user enable",
  synopsis: "<email>",
  summary: "Enable a disabled account again (its owner signs in again)",
  details: `Example:
  npm run burrow -- user enable ann@example.com`,
  async run(context) {
    const { positionals } = parseCommandArgs(context.args, {}, { required: ["email"] });
    const { user, changed } = await withDatabase(context.env(), (db) =>
      setAccountDisabledByEmail(db, positionals[0] ?? "", false),
    );
    context.out(changed ? `Enabled ${user.email}` : `${user.email} is not disabled`);
    return 0;
  },
};
