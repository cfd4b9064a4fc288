import "server-only";
import { NextResponse } from "next/server";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, lastLine } from "../db/unavailable.ts";
import { isAppError } from "../errors.ts";
import { ACCOUNT_DISABLED, ACCOUNT_DISABLED_CODE } from "../users/account-disabled.ts";
import { type CurrentUser, getCurrentUser, whySignedOut } from "./session.ts";

/**
 * The route handlers' common frame (the umami four steps): authorize, run, map the result or the
 * error to one JSON shape `{ error: { code, message } }`. Never cached: every answer is live state.
 * A `Response` from `run` is sent as it is (an event stream, after the same checks).
 */
export async function apiHandler(run: (user: CurrentUser) => Promise<unknown>): Promise<Response> {
  const headers = { "Cache-Control": "no-store" };
  try {
    const user = await getCurrentUser();
    if (!user) {
      // The page's live views stop and say why (components/hooks/use-session-ended.ts).
      const error =
        (await whySignedOut()) === "disabled"
          ? { code: ACCOUNT_DISABLED_CODE, message: ACCOUNT_DISABLED }
          : { code: "unauthorized", message: "Sign in first" };
      return NextResponse.json({ error }, { status: 401, headers });
    }
    const result = await run(user);
    if (result instanceof Response) return result;
    return NextResponse.json(result, { headers });
  } catch (error) {
    if (isAppError(error)) {
      const status = STATUS[error.code] ?? 400;
      return NextResponse.json({ error: { code: error.code, message: error.message } }, { status, headers });
    }
    if (isDatabaseUnavailable(error)) {
      console.error(`api route failed: database unavailable: ${lastLine(error)}`);
      return NextResponse.json(
        { error: { code: "unavailable", message: DATABASE_UNAVAILABLE_MESSAGE } },
        { status: 503, headers: { ...headers, "Retry-After": "5" } },
      );
    }
    console.error("api route failed:", error);
    return NextResponse.json(
      { error: { code: "internal", message: "Something went wrong" } },
      { status: 500, headers },
    );
  }
}

/**
 * Headers of a download the dashboard serves: saved as `fileName`, never rendered or sniffed by
 * the browser (the bytes are visitors' and apps'), never cached.
 */
export function attachmentHeaders(fileName: string, contentType: string): HeadersInit {
  return {
    "Content-Type": contentType,
    "Content-Disposition": `attachment; filename="${fileName}"`,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
}

const STATUS: Record<string, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};
