"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { AppError, isAppError } from "@/lib/errors";
import { nameSchema } from "@/lib/names/rules";
import { releaseName, reserveName } from "@/lib/names/service";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { continueLogDeletion, LOG_DELETION_WAIT_MS } from "@/lib/web/log-deletions";

export const reserveNameAction = defineAction(
  { schema: z.object({ name: nameSchema }) },
  async ({ name }, { user }) => {
    try {
      const reservation = await reserveName(getDb(), user.id, name, { maxNames: getEnv().BURROW_MAX_NAMES });
      revalidatePath("/names");
      return { name: reservation.name };
    } catch (error) {
      // "Taken" belongs under the name field; the quota message stays at the top of the form.
      if (isAppError(error) && error.code === "conflict") {
        throw new AppError("conflict", error.message, { name: [error.message] });
      }
      throw error;
    }
  },
);

// The where clause in releaseName holds { name, userId }: another user's name is "not found". The
// name is released at once; its log, if big, is deleted in the background (the page shows how far).
// A name already released (in another tab, by the CLI) is what the user asked for: done, and the
// list shown again without it, rather than "You have no name called …" beside a row still there.
export const releaseNameAction = defineAction(
  { schema: z.object({ name: z.string().trim().min(1).max(100) }) },
  async ({ name }, { user }): Promise<null> => {
    const db = getDb();
    try {
      const deletion = await releaseName(db, user.id, name);
      await continueLogDeletion(db, deletion.name, LOG_DELETION_WAIT_MS);
    } catch (error) {
      if (!isAppError(error) || error.code !== "not_found") throw error;
    }
    revalidatePath("/names");
    return null;
  },
);
