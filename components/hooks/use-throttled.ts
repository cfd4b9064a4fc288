"use client";

import { useEffect, useRef, useState } from "react";

/**
 * `value`, passed on at most once per `ms`: a change within `ms` of the last one passed on waits for
 * the rest of that time (the latest value then), so a burst of changes costs one update, not none.
 * The first change after mounting passes at once: mounting is not an update (the traffic chart
 * would otherwise sit on its first, empty answer for `ms` while the log already shows requests).
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [passed, setPassed] = useState(value);
  const passedRef = useRef(value);
  const lastAt = useRef(0);
  useEffect(() => {
    if (Object.is(value, passedRef.current)) return;
    const wait = lastAt.current + ms - Date.now();
    const pass = () => {
      lastAt.current = Date.now();
      passedRef.current = value;
      setPassed(value);
    };
    if (wait <= 0) {
      pass();
      return;
    }
    const timer = setTimeout(pass, wait);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return passed;
}
