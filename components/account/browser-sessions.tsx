import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { TimeAgo } from "../ui/time-ago";

export interface BrowserSessionRow {
  id: string;
  /** e.g. "Chrome 156 on Linux". */
  browser: string;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

/** The user's signed-in browsers, each but this one with a "Sign out" button. */
export function BrowserSessions({
  sessions,
  endAction,
  endOthersAction,
}: {
  sessions: BrowserSessionRow[];
  endAction: ConfirmableAction;
  endOthersAction: ConfirmableAction;
}) {
  const others = sessions.filter((s) => !s.current).length;
  return (
    <div className="space-y-4">
      <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label="Signed-in browsers">
        {sessions.map((session) => (
          <li key={session.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
            <div className="min-w-0 space-y-1">
              <p className="flex flex-wrap items-center gap-2">
                <span className="min-w-0 font-medium wrap-anywhere text-zinc-900 dark:text-zinc-100">
                  {session.browser}
                </span>
                {session.current && (
                  <span className="rounded bg-emerald-50 dark:bg-emerald-950/40 px-1.5 py-0.5 text-xs font-medium text-emerald-700 dark:text-emerald-300">
                    This browser
                  </span>
                )}
              </p>
              <p className="text-xs text-zinc-500 dark:text-zinc-400">
                {session.ip ? `${session.ip} · ` : ""}Signed in <TimeAgo date={session.createdAt} /> · Last
                active <TimeAgo date={session.lastSeenAt} />
              </p>
            </div>
            {!session.current && (
              <ConfirmAction
                action={endAction}
                fields={{ sessionId: session.id }}
                triggerLabel="Sign out"
                triggerAriaLabel={`Sign out ${session.browser}`}
                title={`Sign out ${session.browser}?`}
                body="That browser is sent to the sign-in page on its next click."
                confirmLabel="Sign it out"
              />
            )}
          </li>
        ))}
      </ul>
      {others > 0 && (
        <ConfirmAction
          action={endOthersAction}
          fields={{}}
          triggerLabel="Sign out all other browsers"
          title={`Sign out ${others === 1 ? "the other browser" : `all ${others} other browsers`}?`}
          body="Only this browser stays signed in."
          confirmLabel="Sign them out"
        />
      )}
    </div>
  );
}
