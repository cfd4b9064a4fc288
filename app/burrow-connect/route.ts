import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Serves the `burrow-connect` helper (bin/burrow-connect in the repository) so users can fetch it
 * from the dashboard they already trust: `curl -fsSL <dashboard>/burrow-connect -o burrow-connect`.
 * Public on purpose: it is the same script for everyone and holds no secrets.
 */
export async function GET() {
  try {
    const script = await readFile(join(process.cwd(), "bin", "burrow-connect"), "utf8");
    return new Response(script, {
      headers: {
        "Content-Type": "text/x-shellscript; charset=utf-8",
        "Content-Disposition": 'attachment; filename="burrow-connect"',
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch {
    return new Response("burrow-connect is not available on this server\n", {
      status: 404,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}
