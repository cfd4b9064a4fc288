import type { HeaderPair } from "@/lib/request-logs/headers";

/**
 * A request's or response's headers as the log kept them, in the order they were sent. A null value
 * is a credential (Cookie, Authorization, Set-Cookie, X-Api-Key…) the relay did not store. Names and
 * values are other people's text: React escapes them.
 */
export function HeaderList({ headers, label }: { headers: HeaderPair[]; label: string }) {
  return (
    <table className="w-full table-fixed font-mono text-xs" aria-label={label}>
      <tbody>
        {headers.map(([name, value], i) => (
          // Headers repeat (two Set-Cookie, two Accept): the position is the identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: a stored list, never reordered
          <tr key={i} className="align-top">
            <th
              scope="row"
              className="w-1/3 py-0.5 pr-3 text-left font-normal break-all text-zinc-500 dark:text-zinc-400"
            >
              {name}
            </th>
            <td className="py-0.5 break-all text-zinc-800 dark:text-zinc-200">
              {value ?? (
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
