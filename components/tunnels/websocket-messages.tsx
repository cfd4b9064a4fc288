"use client";

import type { WebSocketMessage, WebSocketSide } from "@/lib/request-logs/websocket-view";
import { formatBytes } from "@/lib/web/format";

const KIND_LABEL: Record<WebSocketMessage["kind"], string> = {
  text: "Text",
  binary: "Binary",
  close: "Close",
  ping: "Ping",
  pong: "Pong",
};

/** "3 messages · 1.2 kB · first 65.5 kB kept" */
function sideSummary(side: WebSocketSide): string {
  const count = side.messages.length + side.more;
  const parts = [`${count} ${count === 1 ? "message" : "messages"}`, formatBytes(side.size)];
  if (side.kept < side.size) parts.push(`first ${formatBytes(side.kept)} kept`);
  return parts.join(" · ");
}

function MessageItem({ message }: { message: WebSocketMessage }) {
  // A close reason or a ping's payload is a few words: said inline, not as a block of text.
  const inline = message.kind !== "text" && message.text !== null && message.text !== "";
  const facts = [
    message.code !== null ? `${KIND_LABEL[message.kind]} ${message.code}` : KIND_LABEL[message.kind],
    formatBytes(message.size),
    ...(message.compressed ? ["compressed"] : []),
    ...(message.partial ? ["its start: the rest was not kept"] : []),
    ...(inline ? [`“${message.text}”`] : []),
  ];
  return (
    <li className="space-y-0.5">
      <p className="text-xs break-all text-zinc-500">{facts.join(" · ")}</p>
      {message.kind === "text" && message.text !== null && message.text !== "" && (
        <pre className="max-h-40 overflow-auto rounded-md bg-zinc-900 px-3 py-1.5 font-mono text-xs whitespace-pre-wrap break-all text-zinc-100">
          {message.text}
        </pre>
      )}
      {message.preview !== null && message.preview !== "" && (
        <p className="font-mono text-xs break-all text-zinc-600">
          {message.preview.replace(/(..)(?!$)/g, "$1 ")}
          {message.size > message.preview.length / 2 && " …"}
        </p>
      )}
    </li>
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
  if (side.size === 0) return <span className="text-zinc-500">Nothing.</span>;
  return (
    <div className="space-y-1">
      <p className="text-xs text-zinc-500">
        {sideSummary(side)} ·{" "}
        <a href={downloadHref} download className="font-medium text-indigo-700 hover:underline">
          Download frames
        </a>
      </p>
      {side.messages.length > 0 && (
        <ol aria-label={label} className="space-y-2 border-l-2 border-zinc-200 pl-3">
          {side.messages.map((message, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
            <MessageItem key={i} message={message} />
          ))}
        </ol>
      )}
      {side.more > 0 && (
        <p className="text-xs text-zinc-500">
          And {side.more} more {side.more === 1 ? "message" : "messages"} in the kept bytes.
        </p>
      )}
      {side.problem && <p className="text-xs text-amber-800">{side.problem}</p>}
    </div>
  );
}
