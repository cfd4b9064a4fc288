import { listKeys } from "@/lib/ssh-keys/service";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { type KeyRow, toKeyRows } from "@/lib/web/key-rows";

/** The signed-in user's SSH keys, with the names each has connected right now (the keys page's list). */
export function GET() {
  return apiHandler(async (user): Promise<KeyRow[]> => toKeyRows(await listKeys(getDb(), user.id)));
}
