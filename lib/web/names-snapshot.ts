import "server-only";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import { listNames, listRandomNames } from "../names/service.ts";
import { type NamesSnapshot, toNameRow, toRandomNameRow } from "./names-dto.ts";

type Settings = Pick<Env, "BURROW_MAX_NAMES" | "BURROW_RANDOM_NAME_HOURS">;

/**
 * The user's reserved names and kept random names, live state included, and their key count: the
 * names page, the overview and their polling.
 */
export async function loadNamesSnapshot(db: Db, userId: string, env: Settings): Promise<NamesSnapshot> {
  const [names, randomNames, sshKeys] = await Promise.all([
    listNames(db, userId),
    listRandomNames(db, userId, env.BURROW_RANDOM_NAME_HOURS),
    db.sshKey.count({ where: { userId } }),
  ]);
  return {
    names: names.map(toNameRow),
    maxNames: env.BURROW_MAX_NAMES,
    randomNames: randomNames.map((item) => toRandomNameRow(item, env.BURROW_RANDOM_NAME_HOURS)),
    sshKeys,
  };
}
