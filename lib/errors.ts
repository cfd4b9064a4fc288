/** The closed set of error codes every layer (relay, CLI, dashboard) speaks. */
export type AppErrorCode =
  | "invalid_input"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "rate_limited"
  | "unavailable"
  | "config";

/**
 * What marks an AppError, the same in every copy of this module: Next bundles lib/ into each route
 * separately, and an object kept on globalThis across them (log-search-slots.ts) throws the
 * AppError of whichever bundle made it. By class identity alone the other routes would take it for
 * a bug and answer 500 instead of its status and message.
 */
const BRAND: unique symbol = Symbol.for("burrow.AppError");

/**
 * The one error type for expected failures. `message` is safe to show to the user who caused it;
 * anything else thrown is a bug and is shown as a generic message.
 */
export class AppError extends Error {
  readonly [BRAND] = true;
  readonly code: AppErrorCode;
  readonly fieldErrors?: Record<string, string[]>;

  constructor(code: AppErrorCode, message: string, fieldErrors?: Record<string, string[]>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.fieldErrors = fieldErrors;
  }

  /** `instanceof AppError` holds for an AppError of any copy of this module (see BRAND). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * A unique-constraint violation, mapped by callers to a "conflict" message: Prisma's P2002 from a
 * model query, or a raw query's (P2010) whose driver adapter names PostgreSQL's 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };
  if (code === "P2002") return true;
  const cause = meta?.driverAdapterError?.cause as { kind?: unknown; originalCode?: unknown } | undefined;
  return code === "P2010" && (cause?.kind === "UniqueConstraintViolation" || cause?.originalCode === "23505");
}

/** zod issues as `{ field: [messages] }` for a form, keyed by the first path segment. */
export function fieldErrorsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = String(issue.path[0] ?? "form");
    out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}
