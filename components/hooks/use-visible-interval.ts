"use client";

import { useEffect, useRef } from "react";

/**
 * Runs `tick` every `ms` while the tab is visible, once more as soon as it becomes visible again,
 * and never two at a time (a slow server is not piled up on). Stops on unmount.
 */
export function useVisibleInterval(
  tick: (signal: AbortSignal) => Promise<void>,
  ms: number,
  enabled = true,
  /** Run the first tick right away instead of after `ms` (for data the server did not render). */
  immediate = false,
  /** A tick also runs as soon as this changes (something says the data is out of date). */
  trigger?: unknown,
) {
  const latest = useRef(tick);
  latest.current = tick;
  // A trigger while no loop runs (disabled, or the loop restarting because `ms` changed in the same
  // render: React runs every effect's cleanup before any setup) is kept for the next loop's start.
  const askedMeanwhile = useRef(false);
  const runNow = useRef<() => void>(() => {
    askedMeanwhile.current = true;
  });
  const lastTrigger = useRef(trigger);
  useEffect(() => {
    if (Object.is(trigger, lastTrigger.current)) return;
    lastTrigger.current = trigger;
    runNow.current();
  }, [trigger]);

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let stopped = false;
    const controller = new AbortController();

    // A run asked for while one is going (the trigger) follows it, rather than being lost.
    let again = false;
    const run = async () => {
      if (stopped || document.hidden) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await latest.current(controller.signal);
      } catch {
        // The tick reports its own errors; the loop keeps going.
      } finally {
        running = false;
        if (again) {
          again = false;
          void run();
        } else {
          schedule();
        }
      }
    };
    const schedule = () => {
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(run, ms);
    };
    const onVisibility = () => {
      if (document.hidden) clearTimeout(timer);
      else void run();
    };

    runNow.current = () => void run();
    if (immediate || askedMeanwhile.current) void run();
    else schedule();
    askedMeanwhile.current = false;
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      runNow.current = () => {
        askedMeanwhile.current = true;
      };
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [ms, enabled, immediate]);
}
