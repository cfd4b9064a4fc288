import "server-only";
import { type Env, loadEnv } from "../env.ts";

let cached: Env | undefined;

/** The validated settings, read once per process (lib/env.ts is the only reader of process.env). */
export function getEnv(): Env {
  cached ??= loadEnv();
  return cached;
}
