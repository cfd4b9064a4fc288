import "server-only";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import { listNames, listRandomNames } from "../names/service.ts";
import { releasesOf } from "../request-logs/deletions.ts";
import { toLogDeletionView } from "./log-deletion-view.ts";
import { continueLogDeletion } from "./log-deletions.ts";
import { type NamesSnapshot, toNameRow, toRandomNameRow } from "./names-dto.ts";

type Settings = Pick<Env, "BURROW_MAX_NAMES" | "BURROW_RANDOM_NAME_HOURS">;

/**
 * The user's reserved names and kept random names, live state included, and their key count: the
 * names page, the overview and their polling.
 */
export async function loadNamesSnapshot(db: Db, userId: string, env: Settings): Promise<NamesSnapshot> {
  const [names, randomNames, sshKeys, releases] = await Promise.all([
    listNames(db, userId),
    listRandomNames(db, userId, env.BURROW_RANDOM_NAME_HOURS),
    db.sshKey.count({ where: { userId } }),
    releasesOf(db, userId),
  ]);
  // A release whose process stopped (a restart) is taken up again by the page that shows it.
  for (const release of releases) {
    if (release.finishedAt === null) void continueLogDeletion(db, release.name);
  }
  return {
    names: names.map(toNameRow),
    maxNames: env.BURROW_MAX_NAMES,
    randomNames: randomNames.map((item) => toRandomNameRow(item, env.BURROW_RANDOM_NAME_HOURS)),
    sshKeys,
    releases: releases.map(toLogDeletionView),
  };
}
