import { listNames } from "@/lib/names/service";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { type NamesSnapshot, toNameRow } from "@/lib/web/names-dto";

/** The signed-in user's names with live status; the names page polls it. */
export function GET() {
  return apiHandler(async (user): Promise<NamesSnapshot> => {
    const names = await listNames(getDb(), user.id);
    return { names: names.map(toNameRow), maxNames: getEnv().BURROW_MAX_NAMES };
  });
}
