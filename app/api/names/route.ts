import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import type { NamesSnapshot } from "@/lib/web/names-dto";
import { loadNamesSnapshot } from "@/lib/web/names-snapshot";

/** The signed-in user's names (reserved, and random ones kept for them) with live status; polled. */
export function GET() {
  return apiHandler((user): Promise<NamesSnapshot> => loadNamesSnapshot(getDb(), user.id, getEnv()));
}
