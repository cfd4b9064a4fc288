import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import type { Connection, ServerChannel } from "ssh2";

/**
 * Makes a relay-opened channel emit 'close' once it is destroyed and the SSH client has closed its
 * end too, whether or not anyone still reads it.
 *
 * ssh2's `Channel#destroy` only sends EOF and CLOSE; the channel's 'close' event, which undici's
 * pool (and the tunnel's set of open streams) wait for before letting a connection go, is emitted
 * only after its readable side has *ended*, and ending needs a reader. undici stops reading a
 * connection it gives up: after a response that says `Connection: close` (HTTP/1.0 apps such as
 * `python3 -m http.server` say it on every response), when the app closes an idle keep-alive
 * connection, when a visitor leaves mid-response. Such channels never closed, each held one of the
 * tunnel pool's 256 connections, and after a few hundred of them every request to the tunnel
 * waited forever. Reading what is left after destroy (nobody wants it any more) lets the end, and
 * so the close, happen.
 */
export function closeWhenDestroyed<T extends Duplex>(channel: T): T {
  const destroy = channel.destroy.bind(channel);
  let draining = false;
  const drain = () => {
    while (channel.read() !== null) {
      // Discard: the channel was destroyed, its remaining bytes have no reader.
    }
  };
  channel.destroy = (error?: Error) => {
    destroy(error);
    stopWindowAdjusts(channel);
    if (!draining) {
      draining = true;
      channel.on("readable", drain);
      drain();
    }
    return channel;
  };
  return channel;
}

/**
 * Once the relay has sent its CLOSE, it asks the client for nothing more on the channel. ssh2 still
 * sends WINDOW_ADJUST while the channel is "closing" (for each chunk of the app's data that arrives
 * meanwhile, and as the drain above reads), and an OpenSSH client that has freed the channel prints
 * "channel_by_id: 3: bad id: channel free" and "Received window adjust for non-open channel 3"
 * into the tunnel owner's terminal, once per download a visitor gave up on. ssh2 skips the adjust
 * for a channel marked closed, the state its own close handling would set next; the CLOSE is sent.
 */
function stopWindowAdjusts(channel: Duplex): void {
  const outgoing = (channel as unknown as { outgoing?: { state?: string } }).outgoing;
  if (outgoing?.state === "closing") outgoing.state = "closed";
}

/** ssh2's own handling of a channel's end, which it runs for every channel when its socket closes. */
type ChannelCloseHandler = (
  client: unknown,
  localId: number,
  channel: unknown,
  error: Error | undefined,
  dead: boolean,
) => void;

const ssh2Utils = createRequire(import.meta.url)("ssh2/lib/utils.js") as { onCHANNEL_CLOSE?: unknown };
const onChannelClose =
  typeof ssh2Utils.onCHANNEL_CLOSE === "function" ? (ssh2Utils.onCHANNEL_CLOSE as ChannelCloseHandler) : null;

/**
 * Ends a channel of a client that stopped answering, here and now, as ssh2 does for each channel
 * once its socket has closed: the readable side ends, 'close' is emitted (the request waiting on
 * it fails, and is answered), the channel's id is freed. A plain close() would wait for the
 * client's CLOSE, which a silent client never sends, and the relay keeps such a client's socket
 * open a while longer (connection.ts). Returns false, having done only close(), when ssh2's
 * internals are not as expected: the channel then ends when the socket does.
 */
export function endChannelOfSilentClient(client: Connection, channel: ServerChannel): boolean {
  const internals = channel as unknown as { incoming?: { id?: unknown }; _client?: unknown };
  const localId = internals.incoming?.id;
  if (!onChannelClose || typeof localId !== "number" || internals._client !== client) {
    channel.close();
    return false;
  }
  onChannelClose(client, localId, channel, undefined, true);
  return true;
}
