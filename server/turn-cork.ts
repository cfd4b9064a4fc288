/** What corkForTurn needs of a stream: a net.Socket and an http.ServerResponse both fit. */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
}

/**
 * Returns a function to call before each write: the first call of an event-loop turn corks the
 * stream and a `setImmediate` uncorks it, so everything written during the turn leaves as one
 * `writev` (one syscall, one TCP segment where it fits) instead of one write each. `setImmediate`,
 * not `process.nextTick`: the writes of a turn come from separate I/O callbacks (one per SSH packet
 * or visitor request), and a tick would uncork between them. Nothing waits past the current turn,
 * and `end()` flushes corked data itself; an uncork after that is a no-op.
 */
export function corkForTurn(stream: Corkable): () => void {
  let corked = false;
  const flush = () => {
    corked = false;
    if (!stream.destroyed) stream.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    stream.cork();
    setImmediate(flush);
  };
}
