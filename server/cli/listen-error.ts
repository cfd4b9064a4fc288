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
  // BURROW_LISTEN_HOST names no address of this machine: a typo, or another machine's.
  if (e?.code === "ENOTFOUND" || e?.code === "EAI_AGAIN" || e?.code === "EADDRNOTAVAIL") {
    const host = (e as { hostname?: string }).hostname ?? e.address ?? "?";
    return new AppError(
      "config",
      `BURROW_LISTEN_HOST ${host} is not an address of this machine: use one of its own (ip addr shows them), or leave it unset to listen on all`,
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
