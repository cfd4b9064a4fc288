import type { Logger } from "../logger.ts";

/**
 * Auth.js's logger hooks (NextAuthConfig["logger"]), the ones Burrow sets. A type, not an interface:
 * Auth.js's LoggerInstance has an index signature, which only a type literal satisfies implicitly.
 */
export type AuthLogger = {
  error(error: Error): void;
  warn(code: string): void;
};

/**
 * Auth.js logs every refused password (CredentialsSignin) and every unreadable session cookie
 * (JWTSessionError: an old AUTH_SECRET, a cookie cut short) as an error with a ten-line stack. Both
 * are expected and handled: the sign-in form says "Wrong email or password", the cookie counts as
 * signed out. They get one short line each; anything else is a real error and keeps its stack.
 */
export function createAuthLogger(logger: Logger): AuthLogger {
  return {
    error(error) {
      const type = authErrorType(error);
      if (type === "CredentialsSignin") {
        const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
        logger.info("dashboard sign-in refused", { reason: code ?? "credentials" });
        return;
      }
      if (type === "JWTSessionError") {
        logger.info("dashboard session cookie not readable, treated as signed out");
        return;
      }
      logger.error(`auth: ${type}: ${error.message}`, { stack: (causeOf(error) ?? error).stack ?? null });
    },
    warn(code) {
      logger.warn(`auth: ${code}`, { help: "https://warnings.authjs.dev" });
    },
  };
}

/** Auth.js's errors carry their kind in `type`; others are named by their class. */
function authErrorType(error: Error): string {
  return "type" in error && typeof error.type === "string" ? error.type : error.name;
}

/** Auth.js wraps what went wrong as `cause.err`; its stack is the one worth reading. */
function causeOf(error: Error): Error | undefined {
  const cause = error.cause;
  if (cause instanceof Error) return cause;
  if (cause && typeof cause === "object" && "err" in cause && cause.err instanceof Error) return cause.err;
  return undefined;
}
