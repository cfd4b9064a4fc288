import { Spinner } from "./spinner";

/**
 * What a dashboard page shows while the server renders it. Each segment's loading.tsx shows it,
 * rather than one loading.tsx for the whole (dashboard) group: a loading boundary wraps the
 * layouts below it too, and a notFound() thrown inside one comes after streaming has begun, when
 * the status (200) has been sent. So the layouts that answer 404 (admin/, tunnels/[name]/) stay
 * above their segment's boundary, and a missing page is a 404 to curl and link checkers as well.
 */
export function PageLoading() {
  return (
    <div role="status" className="flex items-center gap-2 py-16 text-sm text-zinc-500 dark:text-zinc-400">
      <Spinner /> Loading…
    </div>
  );
}
