import { AppError } from "../../../lib/errors.ts";
import { signUpSchema } from "../../../lib/users/schemas.ts";
import { createUser } from "../../../lib/users/service.ts";
import { parseInput } from "../../../lib/validate.ts";
import type { CommandContext } from "../command.ts";
import { parseCommandArgs } from "../command.ts";
import { withDatabase } from "../database.ts";
import { readPassword } from "../prompt.ts";

/** `burrow user add`; its help and usage line are in ../command-table.ts. */
export async function runUserAdd(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    context.args,
    { admin: { type: "boolean" } },
    { required: ["email"] },
  );
  const env = context.env();
  // A mistyped email is said before the password is asked for (twice), not after.
  parseInput(signUpSchema.pick({ email: true }), { email: positionals[0] ?? "" });
  const password = await readPassword(context.environment.BURROW_PASSWORD);
  const user = await withDatabase(env, (db) =>
    createUser(db, { email: positionals[0] ?? "", password, admin: values.admin === true }),
  ).catch((error: unknown) => {
    if (!(error instanceof AppError && error.code === "conflict")) throw error;
    // Most often someone who meant to set a forgotten password: say how.
    const email = positionals[0]?.trim().toLowerCase();
    throw new AppError(
      "conflict",
      `${email} already has an account (to set its password: npm run burrow -- user password ${email})`,
    );
  });
  context.out(`Created ${user.email} (${user.role === "ADMIN" ? "admin" : "user"}), id ${user.id}`);
  return 0;
}
