import type { NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { getNameForUser } from "@/lib/names/service";
import { bodyDownload, downloadName } from "@/lib/request-logs/body-view";
import { readRequestBodies } from "@/lib/request-logs/query";
import { parseInput } from "@/lib/validate";
import { apiHandler, attachmentHeaders } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { downloadCheckField, downloadWouldStart } from "@/lib/web/download-check";

/**
 * One kept body as a file (decompressed when the dashboard can): images, archives and anything else
 * the details cannot show. Always an attachment of an opaque type, never rendered by the dashboard's
 * origin: the bytes are a visitor's or an app's, and could be HTML with scripts. `check=1`: see
 * download-check.ts.
 */
export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ name: string; id: string; part: string }> },
) {
  const { name, id, part } = await params;
  return apiHandler(async (user) => {
    if (part !== "request" && part !== "response")
      throw new AppError("not_found", "Choose request or response");
    const check = parseInput(downloadCheckField, request.nextUrl.searchParams.get("check") ?? undefined);
    const db = getDb();
    const own = await getNameForUser(db, user.id, name);
    const kept = await readRequestBodies(db, own.name, id);
    const body = part === "request" ? kept.requestBody : kept.responseBody;
    if (!body) throw new AppError("not_found", `This request's ${part} body was not kept`);
    if (check) return downloadWouldStart();
    const headers = part === "request" ? kept.requestHeaders : kept.responseHeaders;
    return new Response(new Uint8Array(bodyDownload(body, headers)), {
      headers: attachmentHeaders(downloadName(own.name, id, part, headers), "application/octet-stream"),
    });
  });
}
