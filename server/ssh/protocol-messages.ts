import type { Connection } from "ssh2";
import { asciiText } from "./ascii-text.ts";

/**
 * Three SSH messages ssh2 1.17 has no public API for, all needed to tell a plain `ssh` client *why*
 * it was refused (OpenSSH prints them to stderr, even with -N):
 *
 * - SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4) may be sent at any time before authentication
 *   succeeds, so the relay can explain an unknown key while the client still tries its other keys.
 *   ssh2's `banner` server option is one static text sent before the client says anything.
 * - SSH_MSG_DISCONNECT with a description: ssh2's `end()` always sends an empty one. OpenSSH logs
 *   "Received disconnect from …: <description>" at error level and exits with status 255.
 * - SSH_MSG_CHANNEL_OPEN_FAILURE with a description: ssh2's `reject()` always sends "connect
 *   failed" and an empty one, so `ssh -N -L …` printed "open failed: connect failed: " and nothing
 *   else. OpenSSH prints "channel N: open failed: administratively prohibited: <description>".
 *
 * The first two go through ssh2's internal packet writer, exactly as its own message methods do;
 * the third calls ssh2's own (internal) channelOpenFail with a description. The internals are
 * checked at run time; if a future ssh2 changes them, the relay still refuses the client, only
 * without the text (and the integration tests that assert the text fail).
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

/** What ssh2 parses a CHANNEL_OPEN into before its handler sees it. */
interface ChannelOpenInfo {
  type: string;
  sender: number;
}

type ChannelOpenHandler = (protocol: unknown, info: ChannelOpenInfo) => void;

interface ProtocolInternals {
  _packetRW: { write: PacketWriter };
  _cipher: { encrypt(packet: Buffer): void };
  _kexinit: unknown;
  _queue?: Buffer[];
  _handlers?: { CHANNEL_OPEN?: ChannelOpenHandler };
  /** ssh2's own keepalive (GLOBAL_REQUEST keepalive@openssh.com, want-reply), as its timer sends. */
  ping?: () => void;
  /** ssh2's own sender: builds the packet and queues it during a key exchange. */
  channelOpenFail?: (recipient: number, reason: number, description: string) => void;
}

/** SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1). */
const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;

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
    sshString(asLines(asciiText(text))),
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
  let description = Buffer.from(asciiText(text).replace(/[\r\n]+/g, " "), "utf8");
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

/**
 * Answers every channel open of the given types (e.g. `direct-tcpip`, what -L, -D and -W open) with
 * "administratively prohibited: <text>" before ssh2 sees it, and calls `onRefused` (to tell the
 * ssh session too). Installed before authentication; an unauthenticated client gets the same
 * answer ssh2 would give, with the text. Returns false when ssh2's internals are not as expected:
 * ssh2's own `tcpip` event then refuses without the text.
 */
export function refuseChannelTypes(
  client: Connection,
  types: readonly string[],
  text: string,
  onRefused: () => void,
): boolean {
  const proto = internalsOf(client)._protocol;
  const original = proto?._handlers?.CHANNEL_OPEN;
  const fail = proto?.channelOpenFail;
  if (!proto?._handlers || typeof original !== "function" || typeof fail !== "function") return false;
  proto._handlers.CHANNEL_OPEN = (protocol, info) => {
    if (!types.includes(info.type)) {
      original(protocol, info);
      return;
    }
    fail.call(proto, info.sender, OPEN_ADMINISTRATIVELY_PROHIBITED, asciiText(text));
    onRefused();
  };
  return true;
}

/**
 * Asks the client to answer now, with the same keepalive@openssh.com request ssh2's own keepalive
 * timer sends (ssh2 has no public method for it; the reply, success or failure, is ignored as the
 * timer's are). False when ssh2's internals changed and nothing was sent.
 */
export function sendPing(client: Connection): boolean {
  const proto = internalsOf(client)._protocol;
  if (typeof proto?.ping !== "function") return false;
  proto.ping();
  return true;
}
