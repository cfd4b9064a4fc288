"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { nameSchema, STORED_NAME } from "@/lib/names/rules";
import { releaseAnyName } from "@/lib/names/service";
import { sendRelayCommand } from "@/lib/relay-control";
import { disconnectReasonSchema } from "@/lib/tunnel-sessions/disconnect-reason";
import { roleSchema, signUpSchema } from "@/lib/users/schemas";
import { createUser, deleteUser, setUserDisabled, setUserPassword, setUserRole } from "@/lib/users/service";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";
import { continueLogDeletion, continueLogDeletions, LOG_DELETION_WAIT_MS } from "@/lib/web/log-deletions";

// Every action here is access: "admin": the wrapper re-reads the user and answers "not found" to
// non-admins, and the user services check the acting admin once more.

/** A name as stored (STORED_NAME): one reserved under older rules or handed out at random may not pass today's. */
const existingNameSchema = z.object({ name: nameSchema.or(z.string().regex(STORED_NAME)) });

// What the admin types is said to the tunnel's owner; left empty, they are told only who closed it.
const disconnectSchema = existingNameSchema.extend({
  reason: disconnectReasonSchema("The reason").optional(),
});

export const disconnectTunnelAction = defineAction(
  { schema: disconnectSchema, access: "admin" },
  async ({ name, reason }): Promise<null> => {
    // The relay listens on Postgres NOTIFY and closes the tunnel within a second or two; the live
    // list drops it when its session row ends.
    await sendRelayCommand(getDb(), { type: "disconnect", name, ...(reason ? { reason } : {}) });
    return null;
  },
);

// The CLI's `name release`: whoever owns it, refused while its tunnel is up, its log deleted (in the
// background when big: the owner's names page shows how far).
export const releaseAnyNameAction = defineAction(
  { schema: existingNameSchema, access: "admin" },
  async ({ name }): Promise<null> => {
    const db = getDb();
    const deletion = await releaseAnyName(db, name);
    await continueLogDeletion(db, deletion.name, LOG_DELETION_WAIT_MS);
    revalidatePath("/admin/names");
    return null;
  },
);

const userIdSchema = z.string().min(1).max(64);

export const setUserDisabledAction = defineAction(
  { schema: z.object({ userId: userIdSchema, disabled: z.enum(["true", "false"]) }), access: "admin" },
  async ({ userId, disabled }, { user }): Promise<null> => {
    await setUserDisabled(getDb(), user.id, userId, disabled === "true");
    revalidatePath("/admin/users");
    return null;
  },
);

export const deleteUserAction = defineAction(
  { schema: z.object({ userId: userIdSchema }), access: "admin" },
  async ({ userId }, { user }): Promise<null> => {
    continueLogDeletions(getDb(), await deleteUser(getDb(), user.id, userId));
    revalidatePath("/admin/users");
    revalidatePath("/admin/names");
    return null;
  },
);

export const setUserRoleAction = defineAction(
  { schema: z.object({ userId: userIdSchema, role: roleSchema }), access: "admin" },
  async ({ userId, role }, { user }): Promise<null> => {
    await setUserRole(getDb(), user.id, userId, role);
    revalidatePath("/admin/users");
    return null;
  },
);

// The service checks the password (passwordSchema), so its message shows under the field.
export const setUserPasswordAction = defineAction(
  { schema: z.object({ userId: userIdSchema, password: z.string() }), access: "admin" },
  async ({ userId, password }, { user }): Promise<null> => {
    await setUserPassword(getDb(), user.id, userId, password);
    return null;
  },
);

export const createUserAction = defineAction(
  { schema: signUpSchema.extend({ admin: z.literal("on").optional() }), access: "admin" },
  async ({ email, password, admin }) => {
    const created = await createUser(getDb(), { email, password, admin: admin === "on" });
    revalidatePath("/admin/users");
    return { email: created.email };
  },
);
