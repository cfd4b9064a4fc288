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
 * - "socks": no app at all: the ssh client answers as a SOCKS proxy, which OpenSSH makes of an
 *   `-R name:80` given no local address (a "dynamic" remote forward);
 * - "unknown": neither (it closed without a word, or answered in HTTP).
 */
export type AppSpeaks = "tls" | "other" | "socks" | "unknown";

/** A TLS record of type handshake (22) or alert (21): the first byte a TLS server sends. */
const TLS_FIRST_BYTES = new Set([0x15, 0x16]);

/**
 * What the app behind a fresh stream speaks, asked after it closed a connection without an HTTP
 * answer: a dev server started with HTTPS does that to plain HTTP (Node's https server, Vite, Next
 * with --experimental-https send nothing back), and so, after its greeting, does a server of
 * another protocol. A TLS handshake is tried; the first bytes the app sent tell the rest. One that
 * closed without a word is greeted as a SOCKS proxy on another stream (speaksSocks): OpenSSH's
 * SOCKS side closes so on anything else, HTTP and TLS included.
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
    if (!first || first.length === 0) return (await speaksSocks(open, timeoutMs)) ? "socks" : "unknown";
    if (TLS_FIRST_BYTES.has(first[0]!)) return "unknown";
    return first.subarray(0, 5).toString("latin1") === "HTTP/" ? "unknown" : "other";
  }
}

/** A SOCKS5 greeting that offers one way to authenticate: none. */
const SOCKS5_GREETING = Buffer.from([0x05, 0x01, 0x00]);

/**
 * Whether a fresh stream answers a SOCKS5 greeting as a SOCKS5 server does: version 5, then the
 * method chosen (0, none) or 0xff (none acceptable). An HTTP app answers 400 ("HTTP/1.1 …"), an
 * echo server the greeting itself (5, 1): neither passes.
 */
export async function speaksSocks(open: () => Promise<Duplex>, timeoutMs = 2_000): Promise<boolean> {
  let stream: Duplex;
  try {
    stream = await open();
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    let answer = Buffer.alloc(0);
    const done = (socks: boolean) => {
      clearTimeout(timer);
      stream.removeAllListeners("data");
      stream.destroy();
      resolve(socks);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    stream.on("data", (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      if (answer.length >= 2) done(answer[0] === 0x05 && (answer[1] === 0x00 || answer[1] === 0xff));
    });
    stream.once("end", () => done(false));
    stream.once("close", () => done(false));
    stream.once("error", () => done(false));
    stream.write(SOCKS5_GREETING);
  });
}
