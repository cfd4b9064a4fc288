"use client";

import type { WebSocketMessage, WebSocketSide, WebSocketView } from "@/lib/request-logs/websocket-view";
import { formatBinaryBytes, formatBytes, formatDuration } from "@/lib/web/format";
import { CheckedDownloadLink } from "../ui/checked-download-link";
import { cn } from "../ui/cn";

const KIND_LABEL: Record<WebSocketMessage["kind"], string> = {
  text: "Text",
  binary: "Binary",
  close: "Close",
  ping: "Ping",
  pong: "Pong",
};

/** "3 messages · 1.2 kB · first 64 KiB kept" */
function sideSummary(side: WebSocketSide): string {
  const count = side.messages.length + side.more;
  const parts = [`${count} ${count === 1 ? "message" : "messages"}`, formatBytes(side.size)];
  if (side.kept < side.size) parts.push(`first ${formatBinaryBytes(side.kept)} kept`);
  return parts.join(" · ");
}

const FROM = {
  visitor: {
    label: "Visitor →",
    className: "border-indigo-300 dark:border-indigo-700",
    text: "text-indigo-700 dark:text-indigo-300",
  },
  app: {
    label: "← Your app",
    className: "border-emerald-300 dark:border-emerald-700",
    text: "text-emerald-700 dark:text-emerald-300",
  },
} as const;

function MessageItem({ message, from }: { message: WebSocketMessage; from?: keyof typeof FROM }) {
  // A close reason or a ping's payload is a few words: said inline, not as a block of text.
  const inline = message.kind !== "text" && message.text !== null && message.text !== "";
  const facts = [
    // When it crossed the relay, counted from the handshake (rows logged since the relay noted it).
    ...(message.atMs !== null ? [`+${formatDuration(message.atMs)}`] : []),
    message.code !== null ? `${KIND_LABEL[message.kind]} ${message.code}` : KIND_LABEL[message.kind],
    formatBytes(message.size),
    ...(message.compressed ? ["compressed"] : []),
    ...(message.partial ? ["its start: the rest was not kept"] : []),
    ...(inline ? [`“${message.text}”`] : []),
  ];
  return (
    <li className={cn("space-y-0.5", from && `border-l-2 pl-2 ${FROM[from].className}`)}>
      <p className="text-xs break-all text-zinc-500 dark:text-zinc-400">
        {from && <span className={cn("font-medium", FROM[from].text)}>{FROM[from].label} </span>}
        {facts.join(" · ")}
      </p>
      {message.kind === "text" && message.text !== null && message.text !== "" && (
        <pre className="max-h-40 overflow-auto rounded-md bg-zinc-900 dark:bg-zinc-950 dark:ring-1 dark:ring-zinc-800 px-3 py-1.5 font-mono text-xs whitespace-pre-wrap break-all text-zinc-100">
          {message.text}
        </pre>
      )}
      {message.preview !== null && message.preview !== "" && (
        <p className="font-mono text-xs break-all text-zinc-600 dark:text-zinc-400">
          {message.preview.replace(/(..)(?!$)/g, "$1 ")}
          {message.size > message.preview.length / 2 && " …"}
        </p>
      )}
    </li>
  );
}

/** True when the relay dated every listed message (rows logged since it does). */
export function isTimed(view: WebSocketView): boolean {
  const all = [...view.visitor.messages, ...view.app.messages];
  return all.length > 0 && all.every((m) => m.atMs !== null);
}

/**
 * Both sides of a dated WebSocket connection as one conversation, in the order the messages
 * crossed the relay (as a browser's developer tools show them), each marked with who sent it.
 * Each side's summary, download and anything unreadable come first.
 */
export function WebSocketConversation({
  view,
  downloadHref,
}: {
  view: WebSocketView;
  downloadHref: { visitor: string; app: string };
}) {
  const messages = [
    ...view.visitor.messages.map((message) => ({ from: "visitor" as const, message })),
    ...view.app.messages.map((message) => ({ from: "app" as const, message })),
  ].sort((a, b) => a.message.atMs! - b.message.atMs!);
  const sides = [
    { from: "visitor" as const, side: view.visitor, title: "From the visitor" },
    { from: "app" as const, side: view.app, title: "From your app" },
  ];
  return (
    <div className="space-y-1">
      {sides.map(({ from, side, title }) => (
        <p key={from} className="text-xs text-zinc-500 dark:text-zinc-400">
          {title}: {side.size === 0 ? "nothing" : sideSummary(side)}
          {side.size > 0 && (
            <>
              {" · "}
              <CheckedDownloadLink href={downloadHref[from]}>Download frames</CheckedDownloadLink>
            </>
          )}
          {side.more > 0 && ` · ${side.more} more not listed`}
          {side.problem && <span className="block text-amber-800 dark:text-amber-200">{side.problem}</span>}
        </p>
      ))}
      <ol aria-label="Messages in the order they were sent" className="space-y-2 pt-1">
        {messages.map(({ from, message }, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
          <MessageItem key={i} message={message} from={from} />
        ))}
      </ol>
    </div>
  );
}

/**
 * What one side of a WebSocket connection sent, message by message (the first ones the log kept):
 * text as text (someone else's: React escapes it), binary as its first bytes, close codes and pings.
 */
export function WebSocketMessages({
  side,
  label,
  downloadHref,
}: {
  side: WebSocketSide;
  /** "From the visitor" / "From your app", for the list's accessible name. */
  label: string;
  downloadHref: string;
}) {
  if (side.size === 0) return <span className="text-zinc-500 dark:text-zinc-400">Nothing.</span>;
  return (
    <div className="space-y-1">
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        {sideSummary(side)} · <CheckedDownloadLink href={downloadHref}>Download frames</CheckedDownloadLink>
      </p>
      {side.messages.length > 0 && (
        <ol aria-label={label} className="space-y-2 border-l-2 border-zinc-200 dark:border-zinc-800 pl-3">
          {side.messages.map((message, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
            <MessageItem key={i} message={message} />
          ))}
        </ol>
      )}
      {side.more > 0 && (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          And {side.more} more {side.more === 1 ? "message" : "messages"} in the kept bytes.
        </p>
      )}
      {side.problem && <p className="text-xs text-amber-800 dark:text-amber-200">{side.problem}</p>}
    </div>
  );
}
