"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import {
  clearRequestLog,
  clearRequestLogSchema,
  deleteRequest,
  startRequestLogClear,
} from "@/lib/request-logs/clear";
import { requestRefSchema } from "@/lib/request-logs/query";
import { requestEditedReplay, requestReplay } from "@/lib/request-logs/replay";
import { editedReplaySchema } from "@/lib/request-logs/replay-edit";
import { keepBodiesSchema, setKeepBodies } from "@/lib/request-logs/settings";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { continueLogDeletion, LOG_DELETION_WAIT_MS } from "@/lib/web/log-deletions";

// Scoped by { name, userId } in the service: another user's name is "not found".
const nameField = z.string().trim().min(1).max(100);

export const setKeepBodiesAction = defineAction(
  { schema: keepBodiesSchema.extend({ name: nameField }) },
  async ({ name, keep }, { user }) => {
    if (keep && !getEnv().BURROW_LOG_BODIES) {
      throw new AppError("forbidden", "This server keeps no request bodies (BURROW_LOG_BODIES=false)");
    }
    const saved = await setKeepBodies(getDb(), user.id, name, { keep });
    revalidatePath(`/tunnels/${encodeURIComponent(name)}`);
    return saved;
  },
);

/**
 * Delete kept bodies, or Delete all requests. The latter returns within LOG_DELETION_WAIT_MS however
 * big the log: a small one is gone by then, a big one goes on in the background and the page shows
 * its progress (LogDeletionProgress).
 */
export const clearRequestLogAction = defineAction(
  { schema: clearRequestLogSchema.extend({ name: nameField }) },
  async ({ name, what }, { user }): Promise<null> => {
    const db = getDb();
    // Said in the dialog, which stays open: the click did nothing.
    if (what === "bodies") {
      if ((await clearRequestLog(db, user.id, name, { what })) === 0) {
        throw new AppError("conflict", "No request has a kept body");
      }
    } else {
      const started = await startRequestLogClear(db, user.id, name);
      const state = await continueLogDeletion(db, started.name, LOG_DELETION_WAIT_MS);
      if (state?.finishedAt && state.deleted === 0)
        throw new AppError("conflict", "The log is already empty");
    }
    revalidatePath(`/tunnels/${encodeURIComponent(name)}`);
    return null;
  },
);

/** Nothing to revalidate: the relay writes the replay's row, and the log's live tail shows it. */
export const replayRequestAction = defineAction(
  { schema: requestRefSchema.extend({ name: nameField }) },
  async ({ name, id }, { user }): Promise<null> => {
    await requestReplay(getDb(), user.id, name, { id });
    return null;
  },
);

export const replayEditedAction = defineAction(
  { schema: editedReplaySchema.extend({ name: nameField }) },
  async ({ name, ...edit }, { user }): Promise<null> => {
    await requestEditedReplay(getDb(), user.id, name, edit);
    return null;
  },
);

/** The row goes from the open log on the client; a later render of the page no longer has it. */
export const deleteRequestAction = defineAction(
  { schema: requestRefSchema.extend({ name: nameField }) },
  async ({ name, id }, { user }): Promise<null> => {
    await deleteRequest(getDb(), user.id, name, { id });
    revalidatePath(`/tunnels/${encodeURIComponent(name)}`);
    return null;
  },
);
