import "server-only";
import { headers } from "next/headers";
import { redirect, unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, lastLine } from "../db/unavailable.ts";
import { AppError, fieldErrorsOf, isAppError } from "../errors.ts";
import type { ActionResult, ActionState } from "./action-result.ts";
import { type CurrentUser, getCurrentUser, whySignedOut } from "./session.ts";
import { pathOfReferer, signInAgainHref } from "./sign-in-again.ts";

type Access = "user" | "admin" | "public";

interface ActionContext<A extends Access> {
  user: A extends "public" ? CurrentUser | null : CurrentUser;
}

/**
 * The one server-action wrapper: parse the form with the same zod schema the client uses, check the
 * session (and the role), run the handler, and map every outcome to an ActionResult. AppErrors carry
 * messages meant for the user; anything else is logged and shown as a generic message. Next's own
 * control-flow errors (redirect, notFound) pass through. A session that has ended (expired, or signed
 * out in another browser) goes to the sign-in page, which says so and comes back to the page the
 * action was sent from: an error message in the form could not offer the way to sign in.
 */
export function defineAction<S extends z.ZodType, T, A extends Access = "user">(
  options: { schema: S; access?: A },
  handler: (input: z.output<S>, context: ActionContext<A>) => Promise<T>,
): (previous: ActionState<T>, formData: FormData) => Promise<ActionResult<T>> {
  const access: Access = options.access ?? "user";
  return async (_previous, formData) => {
    try {
      const user = await getCurrentUser();
      if (access !== "public" && !user) {
        redirect(signInAgainHref(pathOfReferer((await headers()).get("referer")), await whySignedOut()));
      }
      // Admin-only actions answer "not found" to everyone else, like the admin pages do.
      if (access === "admin" && user?.role !== "ADMIN") throw new AppError("not_found", "Not found");
      const parsed = options.schema.safeParse(formDataToObject(formData));
      if (!parsed.success) {
        const fieldErrors = fieldErrorsOf(parsed.error.issues);
        return {
          ok: false,
          error: { code: "invalid_input", message: "Check the highlighted fields", fieldErrors },
        };
      }
      const data = await handler(parsed.data, { user } as ActionContext<A>);
      return { ok: true, data };
    } catch (error) {
      unstable_rethrow(error);
      if (isAppError(error)) {
        return {
          ok: false,
          error: { code: error.code, message: error.message, fieldErrors: error.fieldErrors },
        };
      }
      if (isDatabaseUnavailable(error)) {
        // Nothing to debug, and nothing the user did wrong: one line, and a message that says why.
        console.error(`server action failed: database unavailable: ${lastLine(error)}`);
        return { ok: false, error: { code: "unavailable", message: DATABASE_UNAVAILABLE_MESSAGE } };
      }
      console.error("server action failed:", error);
      return { ok: false, error: { code: "internal", message: "Something went wrong. Try again." } };
    }
  };
}

/** Text fields only; a field sent twice keeps its last value. */
function formDataToObject(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    // React adds $ACTION_* fields to progressively enhanced forms; they are not user input.
    if (key.startsWith("$ACTION")) continue;
    if (typeof value === "string") out[key] = value;
  }
  return out;
}
