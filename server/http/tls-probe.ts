import type { Duplex } from "node:stream";
import { connect, type TLSSocket } from "node:tls";

/** How long a TLS handshake with the app may take. */
export const TLS_HANDSHAKE_MS = 5_000;

/**
 * Starts TLS over a stream to the app and resolves once the handshake is done. The app's
 * certificate is not checked: it is the user's own app on their own machine (a dev server's
 * self-signed certificate, usually), reached through their authenticated SSH connection.
 * Rejects (and destroys the stream) when the handshake fails or takes too long.
 */
export function startTls(stream: Duplex, timeoutMs = TLS_HANDSHAKE_MS): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = connect({ socket: stream, rejectUnauthorized: false, servername: "localhost" });
    const fail = (error: Error) => {
      clearTimeout(timer);
      tls.destroy();
      stream.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error("TLS handshake with the app timed out")), timeoutMs);
    const onClose = () => fail(new Error("the app closed the connection during the TLS handshake"));
    tls.once("error", fail);
    tls.once("close", onClose);
    tls.once("secureConnect", () => {
      clearTimeout(timer);
      tls.off("error", fail);
      tls.off("close", onClose);
      resolve(tls);
    });
  });
}

/**
 * Whether the app behind a fresh stream speaks TLS: a handshake over it completes. Asked after the
 * app closed a connection without answering a plain HTTP request, which is what a dev server
 * started with HTTPS does (Node's https server, Vite, Next with --experimental-https send nothing
 * back).
 */
export async function speaksTls(open: () => Promise<Duplex>, timeoutMs = 2_000): Promise<boolean> {
  let stream: Duplex;
  try {
    stream = await open();
  } catch {
    return false;
  }
  try {
    (await startTls(stream, timeoutMs)).destroy();
    return true;
  } catch {
    return false;
  }
}
