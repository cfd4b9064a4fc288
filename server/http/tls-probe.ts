import type { Duplex } from "node:stream";
import { connect } from "node:tls";

/** How long the probe waits for the app's TLS handshake. */
export const TLS_PROBE_MS = 2_000;

/**
 * Whether the app behind a fresh stream speaks TLS: a TLS handshake over it completes. Asked only
 * after the app closed a connection without answering a plain HTTP request, which is what a
 * dev server started with HTTPS does (Node's https server, Vite, Next with --experimental-https
 * send nothing back), so the visitor's page can say why instead of "nothing answers". The app's
 * certificate is not checked: the question is only whether it speaks TLS at all.
 */
export async function speaksTls(open: () => Promise<Duplex>, timeoutMs = TLS_PROBE_MS): Promise<boolean> {
  let stream: Duplex;
  try {
    stream = await open();
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const tls = connect({ socket: stream, rejectUnauthorized: false, servername: "localhost" });
    const done = (verdict: boolean) => {
      clearTimeout(timer);
      tls.destroy();
      stream.destroy();
      resolve(verdict);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    tls.once("secureConnect", () => done(true));
    tls.once("error", () => done(false));
    tls.once("close", () => done(false));
  });
}
