import type { z } from "zod";
import { AppError, fieldErrorsOf } from "./errors.ts";

/**
 * Parses service input with its zod schema. On failure throws AppError("invalid_input") whose message
 * is the first problem (what the CLI prints) and whose fieldErrors feed the form.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  throw new AppError("invalid_input", issues[0]?.message ?? "Invalid input", fieldErrorsOf(issues));
}
