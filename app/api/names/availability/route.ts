import type { NextRequest } from "next/server";
import { isNameAvailable } from "@/lib/names/service";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";

/**
 * The reserve form's as-you-type check. A route handler rather than a server action: actions from
 * one page run one at a time, and a slow check must not queue behind (or in front of) a submit.
 */
export function GET(request: NextRequest) {
  const name = request.nextUrl.searchParams.get("name") ?? "";
  return apiHandler((user) => isNameAvailable(getDb(), name.slice(0, 100), user.id));
}
