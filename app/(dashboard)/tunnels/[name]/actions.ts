"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { keepBodiesSchema, setKeepBodies } from "@/lib/request-logs/settings";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";

// Scoped by { name, userId } in the service: another user's name is "not found".
const nameField = z.string().trim().min(1).max(100);

export const setKeepBodiesAction = defineAction(
  { schema: keepBodiesSchema.extend({ name: nameField }) },
  async ({ name, keep }, { user }) => {
    const saved = await setKeepBodies(getDb(), user.id, name, { keep });
    revalidatePath(`/tunnels/${encodeURIComponent(name)}`);
    return saved;
  },
);
