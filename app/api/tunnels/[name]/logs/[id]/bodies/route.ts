import { getNameForUser } from "@/lib/names/service";
import { type RequestBodiesView, viewKeptBodies } from "@/lib/request-logs/body-view";
import { readRequestBodies } from "@/lib/request-logs/query";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";

/**
 * One request's kept bodies made readable (decoded, JSON indented; a WebSocket's messages), for its
 * details in the log.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ name: string; id: string }> }) {
  const { name, id } = await params;
  return apiHandler(async (user): Promise<RequestBodiesView> => {
    const db = getDb();
    // Ownership first: the query layer serves any name to whoever asks.
    const own = await getNameForUser(db, user.id, name);
    return viewKeptBodies(await readRequestBodies(db, own.name, id));
  });
}
