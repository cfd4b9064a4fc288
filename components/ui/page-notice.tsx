import Link from "next/link";
import type { ReactNode } from "react";
import { Button, buttonClass } from "./button";

/**
 * The body of the error and not-found pages. `standalone` pages (outside the dashboard shell) are
 * the page's <main> and sit lower on the screen; inside the shell the layout already has a <main>.
 */
function Notice({
  standalone,
  alert,
  children,
}: {
  standalone: boolean;
  alert?: boolean;
  children: ReactNode;
}) {
  const className = standalone
    ? "mx-auto max-w-md px-4 py-24 text-center"
    : "mx-auto max-w-md py-16 text-center";
  const role = alert ? "alert" : undefined;
  return standalone ? (
    <main role={role} className={className}>
      {children}
    </main>
  ) : (
    <div role={role} className={className}>
      {children}
    </div>
  );
}

/** "Something went wrong" with a retry button and, when Next gave one, the error's reference. */
export function ErrorNotice({
  standalone,
  detail,
  digest,
  onRetry,
}: {
  standalone: boolean;
  detail: string;
  digest?: string;
  onRetry: () => void;
}) {
  return (
    <Notice standalone={standalone} alert>
      <h1 className="text-lg font-semibold text-zinc-900 dark:text-zinc-100">Something went wrong</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        {detail}
        {digest && (
          <span className="mt-1 block font-mono text-xs text-zinc-500 dark:text-zinc-400">
            Reference {digest}
          </span>
        )}
      </p>
      <Button className="mt-6" onClick={onRetry}>
        Try again
      </Button>
    </Notice>
  );
}

/**
 * A form sent from a page the running Burrow did not build: it was updated (or restarted with a new
 * build) since the page was opened, so the page's actions are unknown to it and nothing was done.
 * Trying again cannot help; loading the page again does.
 */
export function OutdatedPageNotice({ standalone, onReload }: { standalone: boolean; onReload: () => void }) {
  return (
    <Notice standalone={standalone} alert>
      <h1 className="text-lg font-semibold text-zinc-900 dark:text-zinc-100">This page is out of date</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Burrow was updated since this page was opened, so what you sent was not done. Reload the page, then do
        it again.
      </p>
      <Button className="mt-6" onClick={onReload}>
        Reload page
      </Button>
    </Notice>
  );
}

/** The 404 page: also what another user's name or key looks like. */
export function NotFoundNotice({ standalone }: { standalone: boolean }) {
  return (
    <Notice standalone={standalone}>
      <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-100">
        Not found
      </h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        There is nothing here, or it is not yours to see.
      </p>
      <Link href="/" className={`${buttonClass("primary")} mt-6`}>
        Back to overview
      </Link>
    </Notice>
  );
}
