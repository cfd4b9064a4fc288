import type { ServerChannel } from "ssh2";

/**
 * What a session channel is sent, gathered over one event-loop turn and written once. Written a
 * line at a time, a followed log (`logs -f` prints 200 rows a page) or a busy console went out as
 * one SSH packet per line of ~150 bytes, and once such a stream had been held up (a pager, Ctrl-S,
 * a stopped `| tool`) OpenSSH's client left it unread in its socket for seconds at a time: after
 * its reader resumed, 64 KiB came every 5 to 10 s. A turn's lines in one write go out as packets
 * of up to 32 KiB, which it reads at once, and cost both ends less CPU.
 */
const unsent = new WeakMap<ServerChannel, string[]>();

/** Queues text for the channel; it leaves at the end of this turn, in order. */
export function sendText(channel: ServerChannel, text: string): void {
  let queued = unsent.get(channel);
  if (!queued) {
    queued = [];
    unsent.set(channel, queued);
    setImmediate(() => flushText(channel));
  }
  queued.push(text);
}

/** Writes what is queued now: before an exit status or the end, which must come after it. */
export function flushText(channel: ServerChannel): void {
  const queued = unsent.get(channel);
  if (!queued) return;
  unsent.delete(channel);
  if (channel.writable) channel.write(queued.join(""));
}
