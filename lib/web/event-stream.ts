import "server-only";
import { AppError } from "../errors.ts";
import { findWebSessionUser } from "../users/web-sessions.ts";
import { getDb } from "./db.ts";
import type { CurrentUser } from "./session.ts";

/** A comment line this often keeps proxies (nginx closes after 60 s of silence) from cutting the stream. */
const KEEP_ALIVE_MS = 25_000;

/**
 * How often a stream asks whether its browser is still signed in. It was let in once; a sign-out
 * elsewhere, an expiry or a disabled account must still reach the page, which now polls rarely.
 */
const SESSION_CHECK_MS = 5_000;

/** What a stream's source is given: send an event by its type, or end the stream. */
export interface EventSink {
  /** Sends `event: <type>`; its data says nothing (the browser fetches through the checked routes). */
  send(type: string): void;
  /** Ends the stream: the browser reconnects after `retry` and polls meanwhile. */
  end(): void;
}

/**
 * A server-sent event stream for `user`'s browser: `ready` once `subscribe` has resolved (the
 * browser then fetches what it may have missed), then whatever the subscription sends, until the
 * browser goes away or the subscription ends it; `ended` then the end when the browser's web
 * session has (the page says so at once). `subscribe` returns its unsubscribe; when it rejects
 * (the database cannot be reached), the answer is a 503 with `unavailable`, retried later.
 */
export async function eventStream(
  request: Request,
  user: CurrentUser,
  subscribe: (sink: EventSink) => Promise<() => void>,
  unavailable: string,
): Promise<Response> {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  const write = (text: string) => {
    if (closed || !controller) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      finish(); // the browser went away
    }
  };
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let sessionCheck: ReturnType<typeof setInterval> | undefined;
  let unsubscribe = () => {};
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    clearInterval(sessionCheck);
    unsubscribe();
    request.signal.removeEventListener("abort", finish);
    try {
      controller?.close();
    } catch {
      // Already closed by the browser going away.
    }
  };
  try {
    unsubscribe = await subscribe({
      send: (type) => write(`event: ${type}\ndata: changed\n\n`),
      end: finish,
    });
  } catch {
    throw new AppError("unavailable", unavailable);
  }
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (closed) {
        c.close(); // ended before the stream began
        return;
      }
      write("retry: 5000\nevent: ready\ndata: listening\n\n");
      keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEP_ALIVE_MS);
      let checking = false;
      sessionCheck = setInterval(async () => {
        if (checking) return;
        checking = true;
        // A database that does not answer is not a sign-out: the subscription's `lost` covers it.
        const still = await findWebSessionUser(getDb(), user.sessionId, user.id).catch(() => undefined);
        checking = false;
        if (still !== null) return;
        write("event: ended\ndata: signed out\n\n");
        finish();
      }, SESSION_CHECK_MS);
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
}
