import { byteEscape, headerPieces } from "@/lib/request-logs/header-text";
import type { HeaderPair } from "@/lib/request-logs/headers";
import { cn } from "../ui/cn";

/** Names up to this long stay on one line (content-security-policy and longer may wrap). */
const ONE_LINE_NAME = 20;

/**
 * A stored value as headerText reads it (UTF-8 decoded), a byte that is not UTF-8 as \xE9 set apart,
 * with what it is on hover.
 */
function HeaderValue({ stored }: { stored: string }) {
  return headerPieces(stored).map((piece, i) =>
    typeof piece === "string" ? (
      piece
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: pieces of one value, never reordered
      <abbr key={i} title="A byte that is not UTF-8" className="text-amber-800 dark:text-amber-200">
        {byteEscape(piece)}
      </abbr>
    ),
  );
}

/**
 * A request's or response's headers as the log kept them, in the order they were sent. A null value
 * is a credential (Cookie, Authorization, Set-Cookie, X-Api-Key…) the relay did not store. Names and
 * values are other people's text: React escapes them.
 */
export function HeaderList({ headers, label }: { headers: HeaderPair[]; label: string }) {
  return (
    // Auto layout, names' column as narrow as it can be (w-px): as wide as the longest name kept on
    // one line, so "content-type" never breaks mid-word; values wrap anywhere. On a phone a name
    // takes its own line with its value below, indented: side by side, a 20-character name left a
    // long value a dozen characters a line.
    <table className="w-full table-auto font-mono text-xs" aria-label={label}>
      <tbody>
        {headers.map(([name, value], i) => (
          // Headers repeat (two Set-Cookie, two Accept): the position is the identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
          <tr key={i} className="align-top max-sm:flex max-sm:flex-col max-sm:pb-1">
            <th
              scope="row"
              className={cn(
                "w-px min-w-24 py-0.5 pr-3 text-left font-normal text-zinc-500 max-sm:w-auto max-sm:pb-0 dark:text-zinc-400",
                // A rare long name (an app's own X-…) would squeeze the values: it wraps instead, at
                // its hyphens first.
                name.length <= ONE_LINE_NAME ? "whitespace-nowrap" : "wrap-anywhere",
              )}
            >
              {name}
            </th>
            <td className="py-0.5 break-all text-zinc-800 max-sm:pt-0 max-sm:pl-3 dark:text-zinc-200">
              {value !== null ? (
                <HeaderValue stored={value} />
              ) : (
                <span className="font-sans text-zinc-500 dark:text-zinc-400 italic">
                  hidden: may hold a credential
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
