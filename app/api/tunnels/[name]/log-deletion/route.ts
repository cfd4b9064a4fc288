import { getNameForUser } from "@/lib/names/service";
import { logDeletionOf } from "@/lib/request-logs/deletions";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { deletionShown, type LogDeletionView, toLogDeletionView } from "@/lib/web/log-deletion-view";
import { continueLogDeletion } from "@/lib/web/log-deletions";

/**
 * The name's Delete all requests under way (or just finished), polled by the tunnel page while it
 * shows the progress; null when there is none to show. A deletion whose process stopped (a restart)
 * is taken up here again, so a page left open sees it through even with no relay running.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return apiHandler(async (user): Promise<LogDeletionView | null> => {
    const db = getDb();
    const own = await getNameForUser(db, user.id, name);
    let state = await logDeletionOf(db, own.name);
    // A release's is the former owner's business (its size included), not the next owner's.
    if (state?.kind !== "all") return null;
    if (state.finishedAt === null) state = await continueLogDeletion(db, own.name);
    return deletionShown(state) ? toLogDeletionView(state) : null;
  });
}
