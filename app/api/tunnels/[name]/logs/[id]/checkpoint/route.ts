import { getNameForUser } from "@/lib/names/service";
import { requestCheckpoint } from "@/lib/request-logs/checkpoint";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";

/**
 * Asks the relay for the time, bytes and kept messages so far of one of the name's open WebSockets
 * or event streams, which its details are showing; `{ open: false }` once it has closed.
 */
export async function POST(_request: Request, { params }: { params: Promise<{ name: string; id: string }> }) {
  const { name, id } = await params;
  return apiHandler(async (user) => {
    const db = getDb();
    // Ownership first: the request log layer serves any name to whoever asks.
    const own = await getNameForUser(db, user.id, name);
    return { open: await requestCheckpoint(db, own.name, id) };
  });
}
