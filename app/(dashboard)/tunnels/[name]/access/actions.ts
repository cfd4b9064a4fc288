"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { accessSettingsSchema, appHostSchema, createShareLinkSchema } from "@/lib/sharing/schemas";
import {
  createShareLink,
  removeShareLinks,
  revokeShareLink,
  setAccessSettings,
  setAllowedAddresses,
  setAppHost,
} from "@/lib/sharing/service";
import { defineAction } from "@/lib/web/action";
import { getDb } from "@/lib/web/db";

// Every service call below is scoped by { name, userId }: another user's name is "not found".
const nameField = z.string().trim().min(1).max(100);

const accessPath = (name: string) => `/tunnels/${encodeURIComponent(name)}/access`;

export const setAccessModeAction = defineAction(
  { schema: accessSettingsSchema.extend({ name: nameField }) },
  async ({ name, mode, password }, { user }) => {
    const summary = await setAccessSettings(getDb(), user.id, name, { mode, password });
    revalidatePath(accessPath(name));
    return { ...summary, passwordChanged: password !== undefined };
  },
);

export const setAppHostAction = defineAction(
  { schema: appHostSchema.extend({ name: nameField }) },
  async ({ name, host }, { user }) => {
    const saved = await setAppHost(getDb(), user.id, name, { host });
    revalidatePath(accessPath(name));
    return saved;
  },
);

export const setAllowedAddressesAction = defineAction(
  { schema: z.object({ name: nameField, addresses: z.string() }) },
  async ({ name, addresses }, { user }) => {
    // The service checks the list (allowedAddressesSchema), so its messages name the bad entry.
    const saved = await setAllowedAddresses(getDb(), user.id, name, { addresses });
    revalidatePath(accessPath(name));
    return saved;
  },
);

/** Returns the token once: it is shown to the owner now and never stored. */
export const createShareLinkAction = defineAction(
  { schema: z.intersection(z.object({ name: nameField }), createShareLinkSchema) },
  async ({ name, ...input }, { user }) => {
    const { link, token } = await createShareLink(getDb(), user.id, name, input);
    revalidatePath(accessPath(name));
    return { token, label: link.label };
  },
);

export const revokeShareLinkAction = defineAction(
  { schema: z.object({ name: nameField, linkId: z.string().min(1).max(100) }) },
  async ({ name, linkId }, { user }): Promise<null> => {
    await revokeShareLink(getDb(), user.id, name, linkId);
    revalidatePath(accessPath(name));
    return null;
  },
);

/** Removes one link that no longer admits anyone (a link id) or all of them (no link id). */
export const removeShareLinksAction = defineAction(
  { schema: z.object({ name: nameField, linkId: z.string().min(1).max(100).optional() }) },
  async ({ name, linkId }, { user }): Promise<null> => {
    await removeShareLinks(getDb(), user.id, name, linkId === undefined ? "inactive" : { linkId });
    revalidatePath(accessPath(name));
    return null;
  },
);
