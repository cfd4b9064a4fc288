"use client";

import { useEffect, useRef, useState } from "react";

/**
 * `value`, passed on at most once per `ms`: a change within `ms` of the last one passed on waits for
 * the rest of that time (the latest value then), so a burst of changes costs one update, not none.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [passed, setPassed] = useState(value);
  const lastAt = useRef(0);
  useEffect(() => {
    const wait = lastAt.current + ms - Date.now();
    const pass = () => {
      lastAt.current = Date.now();
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
