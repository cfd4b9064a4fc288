import { AppError } from "../../lib/errors.ts";

/** "listen EADDRINUSE 0.0.0.0:2222" as a sentence with the likely cause. */
export function explainListenError(error: unknown): unknown {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") {
    return new AppError(
      "unavailable",
      `Port ${e.port ?? "?"} on ${e.address ?? "?"} is already in use: is Burrow already running? ` +
        "Stop it, or choose other ports (BURROW_SSH_PORT, BURROW_HTTP_PORT, PORT)",
    );
  }
  if (e?.code === "EACCES") {
    return new AppError(
      "unavailable",
      `Not allowed to listen on port ${e.port ?? "?"}: ports below 1024 need root or CAP_NET_BIND_SERVICE`,
    );
  }
  return error;
}
