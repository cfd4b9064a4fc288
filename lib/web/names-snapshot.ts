import "server-only";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import { listNames, listRandomNames } from "../names/service.ts";
import { type NamesSnapshot, toNameRow, toRandomNameRow } from "./names-dto.ts";

type Settings = Pick<Env, "BURROW_MAX_NAMES" | "BURROW_RANDOM_NAME_HOURS">;

/** The user's reserved names and kept random names, live state included: names page and its polling. */
export async function loadNamesSnapshot(db: Db, userId: string, env: Settings): Promise<NamesSnapshot> {
  const [names, randomNames] = await Promise.all([
    listNames(db, userId),
    listRandomNames(db, userId, env.BURROW_RANDOM_NAME_HOURS),
  ]);
  return {
    names: names.map(toNameRow),
    maxNames: env.BURROW_MAX_NAMES,
    randomNames: randomNames.map((item) => toRandomNameRow(item, env.BURROW_RANDOM_NAME_HOURS)),
  };
}
