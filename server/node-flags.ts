/**
 * V8 heap settings the relay runs with: package.json's `start` and `burrow` scripts and the README's
 * systemd unit pass them to node (V8 reads them only when the process starts), and the benchmarks'
 * relay process uses this list so it measures what production runs. server/node-flags.test.ts
 * keeps the three in step.
 *
 * - `--heap-growing-percent=300`: a tunnel carrying a download or an upload allocates short-lived
 *   buffers for more than the bytes it forwards (socket reads, SSH packets, the HTTP parser's
 *   input), and V8 counts such ArrayBuffer memory towards the old generation's limit (with
 *   --trace-gc, marking starts at "allocation limit" while the objects fill 21 of 45 MB). Before the
 *   first full GC the limit is generous; once one has sized it from the relay's ~22 MB of live
 *   objects (a burst of busy requests is enough), a transfer set off a full GC every ~60 ms, for
 *   2-2.5x the relay CPU per byte for the rest of the process's life: 25-33 CPU ticks per 64 MiB
 *   instead of 10-12, in both directions. Growing the limit to 2.5x the live size after each full
 *   GC (150; V8 picked about 1.8x) still left about one full GC per 64 MiB transfer (25 in 18
 *   transfers, with --trace-gc); 4x (300) leaves one in the whole run, for ~20 % less relay and
 *   client CPU per byte either way (bench/compare-streams.ts with OTHER_NODE_FLAGS), and the relay's
 *   peak RSS under transfers or 64 busy connections did not grow measurably (compare-relays.ts).
 * - `--max-semi-space-size=8`: half V8's default young generation, which is resident once grown.
 *   Under 64 busy connections the heap is ~18 MB smaller (heapTotal 57 instead of 75 MB) and the
 *   relay's peak RSS 10-35 MiB lower, which the larger old generation above had cost. The price is
 *   twice as many (equally quick) scavenges: 0.8 s instead of 0.47 s in 13 s of that load, about
 *   2.5 % more of the relay's time.
 */
export const RELAY_NODE_FLAGS = ["--heap-growing-percent=300", "--max-semi-space-size=8"] as const;
