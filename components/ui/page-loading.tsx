import { Spinner } from "./spinner";

/**
 * What a dashboard page shows while the server renders it. Each segment's loading.tsx shows it,
 * rather than one loading.tsx for the whole (dashboard) group: a loading boundary wraps the
 * layouts below it too, and a notFound() thrown inside one comes after streaming has begun, when
 * the status (200) has been sent; a redirect() there becomes a meta refresh in a 200. So the layouts
 * that answer 404 or 307 (admin/, tunnels/[name]/, tunnels/[name]/access/) stay above their
 * segment's boundary, and curl and link checkers get the same status as the browser.
 */
export function PageLoading() {
  return (
    <div role="status" className="flex items-center gap-2 py-16 text-sm text-zinc-500 dark:text-zinc-400">
      <Spinner /> Loading…
    </div>
  );
}
