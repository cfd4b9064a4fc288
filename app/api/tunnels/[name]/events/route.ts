import type { NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { getNameForUser } from "@/lib/names/service";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";
import { getLogAnnouncements } from "@/lib/web/log-announcements";

/** A comment line this often keeps proxies (nginx closes after 60 s of silence) from cutting the stream. */
const KEEP_ALIVE_MS = 25_000;

/**
 * Server-sent events for a tunnel page, one stream for all its live parts: `ready` once listening,
 * then `rows` whenever the relay has written request log rows for the name (the log and the chart
 * fetch what is new) and `status` whenever its status changed (connected, dropped, counters or
 * notice saved; the status fetches itself again), so an idle page asks for nothing. Never data:
 * the browser fetches through the routes that check who is asking, with the log's filters.
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return apiHandler(async (user) => {
    // Ownership first, as for the log itself.
    const own = await getNameForUser(getDb(), user.id, name);
    const encoder = new TextEncoder();
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let closed = false;
    const send = (text: string) => {
      if (closed || !controller) return;
      try {
        controller.enqueue(encoder.encode(text));
      } catch {
        finish(); // the browser went away
      }
    };
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    let unsubscribe = () => {};
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      unsubscribe();
      request.signal.removeEventListener("abort", finish);
      try {
        controller?.close();
      } catch {
        // Already closed by the browser going away.
      }
    };
    try {
      unsubscribe = await getLogAnnouncements().subscribe(own.name, {
        rows: () => send("event: rows\ndata: new\n\n"),
        status: () => send("event: status\ndata: changed\n\n"),
        // The browser reconnects (after `retry`) and polls meanwhile.
        lost: finish,
      });
    } catch {
      throw new AppError(
        "unavailable",
        "Live updates are unavailable right now; the page refreshes by itself",
      );
    }
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        if (closed) {
          c.close(); // lost before the stream began
          return;
        }
        send("retry: 5000\nevent: ready\ndata: listening\n\n");
        keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
      },
      cancel: finish,
    });
    request.signal.addEventListener("abort", finish);
    if (request.signal.aborted) finish();
    return new Response(stream, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        // no-transform: Next's compression (and any proxy honouring it) would hold events back.
        "Cache-Control": "no-store, no-transform",
        // nginx buffers proxied responses unless told otherwise.
        "X-Accel-Buffering": "no",
      },
    });
  });
}
