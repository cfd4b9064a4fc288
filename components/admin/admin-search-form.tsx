import Link from "next/link";
import { ADMIN_SEARCH_MAX } from "@/lib/web/admin-search";
import { buttonClass } from "../ui/button";

/**
 * The admin lists' search: a plain GET form, so a search is a URL (bookmarkable, works before the
 * page's scripts load) and the server does the filtering.
 */
export function AdminSearchForm({
  search,
  label,
  placeholder,
}: {
  search: string;
  label: string;
  placeholder: string;
}) {
  return (
    <search className="mb-4 block">
      <form method="get" className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1 sm:max-w-sm">
          <label
            htmlFor="admin-search"
            className="block text-sm font-medium text-zinc-800 dark:text-zinc-200"
          >
            {label}
          </label>
          <input
            id="admin-search"
            type="search"
            name="q"
            defaultValue={search}
            maxLength={ADMIN_SEARCH_MAX}
            placeholder={placeholder}
            // Names and emails: a phone's capitals and corrections would change the search.
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            className="mt-1 block w-full rounded-md border-0 bg-white px-3 py-1.5 text-sm text-zinc-900 shadow-xs ring-1 ring-zinc-300 ring-inset placeholder:text-zinc-400 focus:ring-2 focus:ring-indigo-600 dark:focus:ring-indigo-500 focus:outline-none dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:placeholder:text-zinc-500"
          />
        </div>
        <button type="submit" className={buttonClass("secondary", "sm")}>
          Search
        </button>
        {search && (
          <Link href="?" className={buttonClass("ghost", "sm")}>
            Clear
          </Link>
        )}
      </form>
    </search>
  );
}
