import { getNameForUser } from "@/lib/names/service";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { toTunnelStatus } from "@/lib/web/tunnel-dto";

/** Live status of one of the user's names (the tunnel page polls it). */
export async function GET(_request: Request, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return apiHandler(async (user) => toTunnelStatus(await getNameForUser(getDb(), user.id, name)));
}
