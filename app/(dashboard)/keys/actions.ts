"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { isAppError } from "@/lib/errors";
import { addKeySchema } from "@/lib/ssh-keys/schemas";
import { addKey, deleteKey } from "@/lib/ssh-keys/service";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";

export const addKeyAction = defineAction({ schema: addKeySchema }, async (input, { user }) => {
  const key = await addKey(getDb(), user.id, input);
  revalidatePath("/keys");
  return { label: key.label, fingerprint: key.fingerprint };
});

const deleteKeySchema = z.object({ keyId: z.string().min(1).max(64) });

// Ownership is in the service's where clause ({ id, userId }): another user's key id is "not found",
// and so is a key deleted already (in another tab): done either way, as the user asked, and the
// list shown again without it rather than "No such key" beside a row still there.
export const deleteKeyAction = defineAction({ schema: deleteKeySchema }, async ({ keyId }, { user }) => {
  try {
    await deleteKey(getDb(), user.id, keyId);
  } catch (error) {
    if (!isAppError(error) || error.code !== "not_found") throw error;
  }
  revalidatePath("/keys");
  return null;
});
