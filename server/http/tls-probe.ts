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
 * What a probe found the app to speak (probeApp):
 * - "tls": a TLS handshake completed;
 * - "other": it sent bytes that are neither TLS nor HTTP (an SSH server's banner, a database's
 *   greeting): the tunnel forwards to a port that is not a web app's;
 * - "unknown": neither (it closed without a word, or answered in HTTP).
 */
export type AppSpeaks = "tls" | "other" | "unknown";

/** A TLS record of type handshake (22) or alert (21): the first byte a TLS server sends. */
const TLS_FIRST_BYTES = new Set([0x15, 0x16]);

/**
 * What the app behind a fresh stream speaks, asked after it closed a connection without an HTTP
 * answer: a dev server started with HTTPS does that to plain HTTP (Node's https server, Vite, Next
 * with --experimental-https send nothing back), and so, after its greeting, does a server of
 * another protocol. A TLS handshake is tried; the first bytes the app sent tell the rest.
 */
export async function probeApp(open: () => Promise<Duplex>, timeoutMs = 2_000): Promise<AppSpeaks> {
  let stream: Duplex;
  try {
    stream = await open();
  } catch {
    return "unknown";
  }
  let first: Buffer | undefined;
  stream.on("data", (chunk: Buffer) => {
    first ??= chunk;
  });
  try {
    (await startTls(stream, timeoutMs)).destroy();
    return "tls";
  } catch {
    if (!first || first.length === 0 || TLS_FIRST_BYTES.has(first[0]!)) return "unknown";
    return first.subarray(0, 5).toString("latin1") === "HTTP/" ? "unknown" : "other";
  }
}
