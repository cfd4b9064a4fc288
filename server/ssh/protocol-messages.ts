import type { Connection } from "ssh2";

/**
 * Two SSH messages ssh2 1.17 has no public API for, both needed to tell a plain `ssh` client *why*
 * it was refused (OpenSSH prints both to stderr, even with -N):
 *
 * - SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4) may be sent at any time before authentication
 *   succeeds, so the relay can explain an unknown key while the client still tries its other keys.
 *   ssh2's `banner` server option is one static text sent before the client says anything.
 * - SSH_MSG_DISCONNECT with a description: ssh2's `end()` always sends an empty one. OpenSSH logs
 *   "Received disconnect from …: <description>" at error level and exits with status 255.
 *
 * Both write through ssh2's internal packet writer, exactly as its own message methods do. The
 * internals are checked at run time; if a future ssh2 changes them, the relay still refuses the
 * client, only without the text (and the integration tests that assert the text fail).
 */

const MESSAGE_DISCONNECT = 1;
const MESSAGE_USERAUTH_BANNER = 53;
/** SSH_DISCONNECT_BY_APPLICATION. */
const DISCONNECT_BY_APPLICATION = 11;
/** OpenSSH prints at most 400 bytes of a disconnect description. */
const MAX_DESCRIPTION_BYTES = 400;

interface PacketWriter {
  allocStart: number;
  allocStartKEX: number;
  alloc(length: number, forceKEX?: boolean): Buffer;
  finalize(packet: Buffer, forceKEX?: boolean): Buffer;
}

interface ProtocolInternals {
  _packetRW: { write: PacketWriter };
  _cipher: { encrypt(packet: Buffer): void };
  _kexinit: unknown;
  _queue?: Buffer[];
}

interface ConnectionInternals {
  _protocol?: ProtocolInternals;
  _sock?: { end(): void; writable?: boolean };
}

function internalsOf(client: Connection): ConnectionInternals {
  return client as unknown as ConnectionInternals;
}

function protocolOf(client: Connection): ProtocolInternals | undefined {
  const proto = internalsOf(client)._protocol;
  const ok =
    proto &&
    typeof proto._packetRW?.write?.alloc === "function" &&
    typeof proto._packetRW.write.finalize === "function" &&
    typeof proto._cipher?.encrypt === "function";
  return ok ? proto : undefined;
}

/** An SSH "string": uint32 length, then the bytes. */
function sshString(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/** Clients print banners raw: normalise to CRLF lines so a pty shows them without staircase effects. */
function asLines(text: string): string {
  return `${text.replace(/\r?\n/g, "\r\n").replace(/(\r\n)?$/, "")}\r\n`;
}

/**
 * Sends a USERAUTH_BANNER. Only valid while the client is authenticating; returns false when it
 * could not be sent.
 */
export function sendAuthBanner(client: Connection, text: string): boolean {
  const proto = protocolOf(client);
  if (!proto || client.authenticated) return false;
  const payload = Buffer.concat([
    Buffer.from([MESSAGE_USERAUTH_BANNER]),
    sshString(asLines(text)),
    sshString(""),
  ]);
  const writer = proto._packetRW.write;
  const start = writer.allocStart;
  const packet = writer.alloc(payload.length);
  payload.copy(packet, start);
  const finalized = writer.finalize(packet);
  // Same rule as ssh2's own sendPacket: during a key exchange, queue until it completes.
  if (proto._kexinit !== undefined) {
    proto._queue ??= [];
    proto._queue.push(finalized);
  } else {
    proto._cipher.encrypt(finalized);
  }
  return true;
}

/**
 * Disconnects with a description the user sees ("Received disconnect from …: <text>"), then
 * closes the socket. Falls back to a plain `end()` if the message cannot be built.
 */
export function disconnectWithMessage(client: Connection, text: string): void {
  const proto = protocolOf(client);
  const sock = internalsOf(client)._sock;
  if (!proto || !sock || sock.writable === false) {
    client.end();
    return;
  }
  let description = Buffer.from(text.replace(/[\r\n]+/g, " "), "utf8");
  if (description.length > MAX_DESCRIPTION_BYTES)
    description = description.subarray(0, MAX_DESCRIPTION_BYTES);
  const payload = Buffer.concat([
    Buffer.from([MESSAGE_DISCONNECT, 0, 0, 0, DISCONNECT_BY_APPLICATION]),
    sshString(description.toString("utf8")),
    sshString(""),
  ]);
  const writer = proto._packetRW.write;
  // ssh2 sends DISCONNECT this way too: it may go out at any time, even mid key exchange.
  const start = writer.allocStartKEX;
  const packet = writer.alloc(payload.length, true);
  payload.copy(packet, start);
  proto._cipher.encrypt(writer.finalize(packet, true));
  sock.end();
}
