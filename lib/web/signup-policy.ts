import "server-only";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";

/**
 * Open sign-up follows BURROW_ALLOW_SIGNUP, except on an empty instance: someone must be able to
 * create the first (admin) account without the CLI.
 */
export async function canSignUp(db: Db, env: Pick<Env, "BURROW_ALLOW_SIGNUP">): Promise<boolean> {
  if (env.BURROW_ALLOW_SIGNUP) return true;
  return (await db.user.count()) === 0;
}
