"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
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

// Ownership is in the service's where clause ({ id, userId }): another user's key id is "not found".
export const deleteKeyAction = defineAction({ schema: deleteKeySchema }, async ({ keyId }, { user }) => {
  await deleteKey(getDb(), user.id, keyId);
  revalidatePath("/keys");
  return null;
});
