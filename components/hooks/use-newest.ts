"use client";

import { useState } from "react";

/**
 * Of a list the page rendered on the server (`rendered`, new after this tab's own action
 * revalidated the page) and the same list fetched live (`live`, new after another tab, the CLI or a
 * tunnel changed it), whichever changed last. Preferring the rendered one whenever the two differed
 * hid every change made elsewhere until a reload. Adjusted while rendering, not in an effect, so
 * the older one is never painted in between.
 */
export function useNewest<T>(rendered: T, live: T): T {
  const [seen, setSeen] = useState({ rendered, live, newest: live });
  if (seen.rendered !== rendered || seen.live !== live) {
    // Both since the last render (rare): the live one, which was fetched after a render.
    const newest = seen.live !== live ? live : rendered;
    setSeen({ rendered, live, newest });
    return newest;
  }
  return seen.newest;
}
