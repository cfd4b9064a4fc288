import { countOf, formatCount } from "@/lib/web/format";
import type { LogDeletionView } from "@/lib/web/log-deletion-view";
import { Alert } from "../ui/alert";

/**
 * A name released lately whose log is deleted in the background (a big one takes minutes): how far,
 * then done. The name is not reservable, by anyone, until then.
 */
export function ReleaseProgress({ release }: { release: LogDeletionView }) {
  if (release.finishedAt) {
    return (
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        The request log of {release.name} (released) is deleted: {countOf(release.deleted, "request")}.
      </p>
    );
  }
  const done = Math.min(release.deleted, release.total);
  return (
    <Alert tone="info" className="mb-3">
      <p>
        Deleting the request log of {release.name} (released)… {formatCount(done)} of{" "}
        {countOf(release.total, "request")} deleted. The name can be reserved again once this is done.
      </p>
      <progress
        className="mt-2 h-2 w-full"
        max={Math.max(release.total, 1)}
        value={done}
        aria-label={`Deleting the request log of ${release.name}`}
      />
    </Alert>
  );
}
