/**
 * Helpers for e2e/hostile-input.spec.ts: a visitor request with a raw (unencoded) path and header,
 * as a script would send it (a browser would percent-encode the path), and a direct look at the
 * request_logs rows the relay wrote.
 */
import http from "node:http";
import { withDatabase } from "../../lib/testing/with-database.ts";

/** GETs `path` verbatim through the relay's HTTP port with the tunnel's Host; resolves the status. */
export function rawVisit(httpPort: number, host: string, path: string, userAgent: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: httpPort,
        path,
        headers: { host, "user-agent": userAgent },
        agent: false,
        timeout: 15_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("visit timed out")));
    req.on("error", reject);
  });
}

/** The path and user agent of every request_logs row of `name`, oldest first. */
export async function loggedRequests(
  databaseUrl: string,
  name: string,
): Promise<{ path: string; userAgent: string | null }[]> {
  const { rows } = await withDatabase(databaseUrl, (client) =>
    client.query<{ path: string; user_agent: string | null }>(
      "SELECT path, user_agent FROM request_logs WHERE name = $1 ORDER BY id",
      [name],
    ),
  );
  return rows.map((row) => ({ path: row.path, userAgent: row.user_agent }));
}
