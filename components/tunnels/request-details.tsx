"use client";

import Link from "next/link";
import { type ReactNode, useEffect, useRef, useState } from "react";
import type { BodyView } from "@/lib/request-logs/body-view";
import { headerText } from "@/lib/request-logs/header-text";
import { CUT_PATH_MESSAGE, headerLines } from "@/lib/request-logs/replay-edit";
import { pathWasCut, replayHeaders, replayProblem } from "@/lib/request-logs/replay-rules";
import { LOG_PATH_MAX, waitingState } from "@/lib/request-logs/row";
import { curlCommand } from "@/lib/web/curl-command";
import { formatBytes, formatDuration } from "@/lib/web/format";
import { accessCell, describeOutcome } from "@/lib/web/log-access";
import type { LogRow } from "@/lib/web/tunnel-dto";
import { describeUserAgent, userAgentInFull } from "@/lib/web/user-agent";
import { useCheckpoints } from "../hooks/use-checkpoints";
import { type BodiesState, useRequestBodies } from "../hooks/use-request-bodies";
import { Button } from "../ui/button";
import { CodeLine } from "../ui/code-line";
import { ConfirmAction, type ConfirmableAction } from "../ui/confirm-action";
import { LocalTime } from "../ui/local-time";
import { type EditedReplayAction, EditReplayForm } from "./edit-replay-form";
import { HeaderList } from "./header-list";
import { type ReplayAction, ReplayButton } from "./replay-button";
import type { ReplayWatch } from "./replay-outcome";
import { BodyPanel } from "./request-bodies";
import { WaitingTime } from "./waiting-time";
import { isTimed, WebSocketConversation, WebSocketMessages } from "./websocket-messages";

/** What the owner may do with a logged request, passed down from the page. */
export interface RequestActions {
  /** Send it to the app again as it was logged. */
  send: ReplayAction;
  /** Send it as edited in the details (edit-replay-form.tsx). */
  edit: EditedReplayAction;
  /** Delete it from the log. */
  remove: ConfirmableAction;
  /** Where a replay's answer turns up (the open log's rows). */
  watch: ReplayWatch;
}

/** Why a row has no response headers: an answer from Burrow, none (yet), or an older row. */
function noResponseHeaders(row: LogRow): string {
  if (row.accessPage !== null) return "Burrow's access page answered, not your app.";
  if (row.error === "client_aborted") return "The visitor left before your app answered.";
  if (row.error !== null) return "Burrow answered this request itself, not your app.";
  const waiting = waitingState(row);
  if (waiting === "waiting") return "None yet: your app has not answered.";
  if (waiting === "no_answer") return "None: no answer was recorded.";
  return "Not recorded for this request.";
}

/** The request body as the replay can send it: kept whole, as text, not compressed. */
function replayableBody(view: BodyView | null | undefined): string | undefined {
  if (!view || view.truncated || view.encoding !== null || view.text === null) {
    return undefined;
  }
  return view.text;
}

/**
 * The request again: sent to the app from here as it was or edited (the owner's Replay), or as a
 * curl command to copy, with what the log kept of it, the body too when it was kept whole as text.
 * Credentials are hidden and other bodies are not in it, so the command says what it lacks instead
 * of failing in a puzzling way.
 */
function ReplayItems({
  name,
  row,
  publicUrl,
  body,
  actions,
}: {
  name: string;
  row: LogRow;
  publicUrl: string;
  body: BodiesState | null;
  actions: RequestActions | undefined;
}) {
  const [editing, setEditing] = useState(false);
  // The form takes the place of its button and the button comes back when it closes: focus follows
  // (the form moves it in when it opens), or it would drop to <body> with the element that had it.
  const editButton = useRef<HTMLButtonElement>(null);
  const refocusEditButton = useRef(false);
  useEffect(() => {
    if (editing || !refocusEditButton.current) return;
    refocusEditButton.current = false;
    editButton.current?.focus();
  }, [editing]);
  const loaded = body?.status === "ready" ? body.bodies.request : undefined;
  const text = replayableBody(loaded);
  const replay = curlCommand(publicUrl, row.method, row.path, row.requestHeaders ?? [], text);
  const why = !row.bodiesKept
    ? "it was not kept"
    : body?.status === "loading"
      ? "it is loading"
      : "only a body kept whole as text goes in (download it for --data-binary @file)";
  const missing = [
    ...(row.bytesIn > 0 && text === undefined ? [`the ${formatBytes(row.bytesIn)} body: ${why}`] : []),
    ...(replay.hidden.length > 0 ? [`${replay.hidden.join(", ")}: hidden in the log`] : []),
  ];
  return (
    <>
      {actions && (
        <Item term="Replay">
          {body?.status === "loading" ? (
            <span className="text-zinc-500 dark:text-zinc-400">Loading…</span>
          ) : (
            <>
              <ReplayButton
                action={actions.send}
                name={name}
                id={row.id}
                method={row.method}
                path={row.path}
                watch={actions.watch}
                problem={replayProblem({
                  path: row.path,
                  upgrade: row.upgrade,
                  accessPage: row.accessPage,
                  admission: row.admission,
                  bytesIn: row.bytesIn,
                  keptBodyBytes: body?.status === "ready" ? (body.bodies.request?.kept ?? null) : null,
                  requestHeaders: row.requestHeaders,
                })}
                hidden={replay.hidden}
              />
              {editing ? (
                <EditReplayForm
                  action={actions.edit}
                  name={name}
                  id={row.id}
                  initial={{
                    method: row.method,
                    path: row.path,
                    headers: headerLines(replayHeaders(row.requestHeaders ?? [])),
                    body: text ?? "",
                  }}
                  bodyNote={
                    row.bytesIn > 0 && text === undefined
                      ? `Empty: the logged ${formatBytes(row.bytesIn)} body is not here (${why}). Sent as typed (UTF-8).`
                      : null
                  }
                  pathNote={pathWasCut(row.path) ? `${CUT_PATH_MESSAGE}.` : null}
                  hidden={replay.hidden}
                  watch={actions.watch}
                  onClose={() => {
                    refocusEditButton.current = true;
                    setEditing(false);
                  }}
                />
              ) : (
                <Button
                  ref={editButton}
                  variant="ghost"
                  size="sm"
                  className="mt-1 -ml-2.5"
                  onClick={() => setEditing(true)}
                >
                  Edit and send…
                </Button>
              )}
            </>
          )}
        </Item>
      )}
      <Item term="As curl">
        {replay.command === null ? (
          <p className="text-zinc-500 dark:text-zinc-400">No command: {replay.refused}.</p>
        ) : (
          <CodeLine text={replay.command} copyLabel="Copy curl command" />
        )}
        {replay.command !== null && missing.length > 0 && (
          <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            Not in this command: {missing.join("; ")}.
          </p>
        )}
      </Item>
    </>
  );
}

/** Both kept bodies (a WebSocket's messages), or why there are none. */
function BodyItems({ name, row, bodies }: { name: string; row: LogRow; bodies: BodiesState | null }) {
  const what = row.upgrade ? "Messages" : "Bodies";
  if (row.openState === "open" && !bodies) {
    return (
      <Item term={what}>
        <span className="text-zinc-500 dark:text-zinc-400">
          With “Keep bodies” on, what is kept appears here as {row.upgrade ? "messages are" : "it is"} sent.
        </span>
      </Item>
    );
  }
  if (!bodies) {
    if (row.bytesIn === 0 && row.bytesOut === 0) return null;
    return (
      <Item term={what}>
        <span className="text-zinc-500 dark:text-zinc-400">
          {row.upgrade
            ? "Not kept for this connection. “Keep bodies” above the log keeps the next ones' messages."
            : "Not kept for this request. “Keep bodies” above the log keeps the next ones."}
        </span>
      </Item>
    );
  }
  if (bodies.status !== "ready") {
    return (
      <Item term={what}>
        {bodies.status === "loading" ? (
          <span className="text-zinc-500 dark:text-zinc-400">Loading…</span>
        ) : (
          <span className="text-red-700 dark:text-red-300">Could not load the bodies: {bodies.message}</span>
        )}
      </Item>
    );
  }
  const base = `/api/tunnels/${encodeURIComponent(name)}/logs/${encodeURIComponent(row.id)}/bodies`;
  const websocket = bodies.bodies.websocket;
  if (websocket && isTimed(websocket)) {
    return (
      <Item term="Messages">
        <WebSocketConversation
          view={websocket}
          downloadHref={{ visitor: `${base}/request`, app: `${base}/response` }}
        />
      </Item>
    );
  }
  if (websocket) {
    return (
      <>
        <Item term="From the visitor">
          <WebSocketMessages
            side={websocket.visitor}
            label="Messages from the visitor"
            downloadHref={`${base}/request`}
          />
        </Item>
        <Item term="From your app">
          <WebSocketMessages
            side={websocket.app}
            label="Messages from your app"
            downloadHref={`${base}/response`}
          />
        </Item>
      </>
    );
  }
  // An upgrade the app declined: its answer is an ordinary body.
  const sides = [
    { term: "Request body", view: bodies.bodies.request, href: `${base}/request` },
    { term: "Response body", view: bodies.bodies.response, href: `${base}/response` },
  ];
  return (
    <>
      {sides.map(({ term, view, href }) => (
        <Item key={term} term={term}>
          {view ? (
            <BodyPanel view={view} label={term} downloadHref={href} />
          ) : (
            <span className="text-zinc-500 dark:text-zinc-400">
              {term === "Response body" ? "Your app did not answer it." : "Not kept."}
            </span>
          )}
        </Item>
      ))}
    </>
  );
}

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 sm:grid-cols-[9rem_1fr] sm:gap-4">
      <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400 uppercase">{term}</dt>
      <dd className="min-w-0 text-zinc-800 dark:text-zinc-200">{children}</dd>
    </div>
  );
}

/**
 * Everything stored about one request, opened from its row in the log: the full path, why Burrow
 * answered it (the status badge's reason was only a tooltip), the visitor, the share link they came
 * in with and both sides' headers. Path, user agent, headers and link label are other people's
 * text: React escapes them.
 */
export function RequestDetails({
  name,
  row,
  publicUrl,
  visitorHref,
  pathHref,
  statusHref,
  actions,
  onDeleted,
  permalink,
  originalHref,
}: {
  /** The tunnel name, for loading the kept bodies. */
  name: string;
  row: LogRow;
  publicUrl: string;
  /** The log narrowed to this row's visitor; absent when it already is (or the address is unknown). */
  visitorHref?: string;
  /** The log narrowed to this row's path (without its query); absent when it already is. */
  pathHref?: string;
  /** The log narrowed to this row's exact status code; absent when it already is (or it has none). */
  statusHref?: string;
  /** Send the request again, or delete it (the owner's log); absent where nobody may. */
  actions?: RequestActions;
  /** The request was deleted: the log drops its row. */
  onDeleted?: () => void;
  /** This request's own address in the dashboard, to copy. */
  permalink?: string;
  /** For a replay: where the request it was sent from is shown. */
  originalHref?: string;
}) {
  const access = accessCell(row.admission, row.accessPage);
  const open = row.openState === "open";
  const waiting = waitingState(row);
  useCheckpoints(name, row.id, open);
  // An open connection's kept bytes grow with each checkpoint: read again when they have.
  const bodies = useRequestBodies(name, row.id, row.bodiesKept, open ? row.bytesIn + row.bytesOut : 0);
  return (
    // No width of its own: on a phone the log is a list of cards (nothing scrolls sideways) and
    // the details take the card's whole width; a screen-based cap left a fifth of a 320 px one empty.
    <div className="text-sm">
      <dl className="space-y-2">
        <Item term="What happened">
          {describeOutcome(row)}
          {statusHref && (
            <>
              {" · "}
              <Link
                href={statusHref}
                scroll={false}
                className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
              >
                Only {row.status} answers
              </Link>
            </>
          )}
        </Item>
        {row.replayOf !== null && originalHref && (
          <Item term="Replay of">
            <Link
              href={originalHref}
              className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
            >
              The request it was sent from
            </Link>
          </Item>
        )}
        <Item term="Request">
          <span className="font-mono text-xs break-all">
            {row.method} {row.path}
          </span>
          {row.upgrade && <span className="text-zinc-500 dark:text-zinc-400"> · WebSocket upgrade</span>}
          {pathHref && (
            <>
              {" · "}
              <Link
                href={pathHref}
                scroll={false}
                className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
              >
                Only this path
              </Link>
            </>
          )}
          {pathWasCut(row.path) && (
            <span className="mt-0.5 block text-xs text-amber-800 dark:text-amber-200">
              Cut: the log keeps the first {LOG_PATH_MAX} characters of a path; … marks where the rest was.
            </span>
          )}
        </Item>
        <Item term="When">
          <LocalTime iso={row.at} withDate /> ·{" "}
          {waiting === "waiting" ? (
            // As the log's row says it ("Waiting / for your app"), with the same count.
            <>
              waiting for your app's answer
              <WaitingTime since={row.at} prefix=": " suffix=" so far" />
            </>
          ) : waiting === "no_answer" ? (
            "no answer was recorded"
          ) : row.openState === "open" ? (
            "still open"
          ) : row.openState === "unrecorded" ? (
            "end not recorded"
          ) : (
            `took ${formatDuration(row.durationMs)}`
          )}
        </Item>
        <Item term="Bytes">
          {formatBytes(row.bytesIn)} from the visitor · {formatBytes(row.bytesOut)} to the visitor
          {open && <span className="text-zinc-500 dark:text-zinc-400"> so far</span>}
        </Item>
        <Item term="Access">
          {access.label}
          {row.shareLinkLabel !== null && <> · share link “{row.shareLinkLabel}”</>}
          {row.shareLinkLabel === null && row.admission === "SHARE_LINK" && (
            <> · a share link since removed</>
          )}
        </Item>
        <Item term="Visitor">
          <span className="font-mono text-xs">{row.clientIp}</span> · {describeUserAgent(row.userAgent)}
          {visitorHref && (
            <>
              {" · "}
              <Link
                href={visitorHref}
                scroll={false}
                className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
              >
                Only this visitor
              </Link>
            </>
          )}
          {userAgentInFull(row.userAgent) && (
            <span className="mt-0.5 block font-mono text-xs break-all text-zinc-500 dark:text-zinc-400">
              {headerText(row.userAgent ?? "")}
            </span>
          )}
        </Item>
        <Item term="Request headers">
          {row.requestHeaders ? (
            <HeaderList headers={row.requestHeaders} label="Request headers" />
          ) : (
            <span className="text-zinc-500 dark:text-zinc-400">Not recorded for this request.</span>
          )}
        </Item>
        <Item term="Response headers">
          {row.responseHeaders ? (
            <HeaderList headers={row.responseHeaders} label="Response headers" />
          ) : (
            <span className="text-zinc-500 dark:text-zinc-400">{noResponseHeaders(row)}</span>
          )}
        </Item>
        <BodyItems name={name} row={row} bodies={bodies} />
        {!row.upgrade && (
          <ReplayItems name={name} row={row} publicUrl={publicUrl} body={bodies} actions={actions} />
        )}
        {permalink && (
          <Item term="Link">
            <CodeLine text={permalink} copyLabel="Copy link to this request" />
            <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
              Opens these details while you are signed in; nobody else can open them.
            </p>
          </Item>
        )}
      </dl>
      {actions && (
        <div className="flex justify-end pt-2">
          <ConfirmAction
            action={actions.remove}
            fields={{ name, id: row.id }}
            triggerLabel="Delete this request…"
            triggerVariant="ghost"
            title="Delete this request?"
            body={`${row.method} ${row.path}: its headers and any kept bodies go from the log. This cannot be undone.`}
            confirmLabel="Delete request"
            onDone={onDeleted}
          />
        </div>
      )}
    </div>
  );
}
