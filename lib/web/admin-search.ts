// Pure: the admin pages' search box (`?q=`), shared by the users and names pages.

/** Rows an admin list shows at most; a search narrows a longer one. */
export const ADMIN_LIST_MAX = 200;
/** Longest search kept (the box takes no more). */
export const ADMIN_SEARCH_MAX = 100;

/**
 * The search as the lists use it (trimmed, lower-case: emails and names are stored so), "" for none.
 * A longer one, typed into the address bar, is cut to ADMIN_SEARCH_MAX rather than refused: it can
 * only find fewer rows.
 */
export function readAdminSearch(value: string | string[] | undefined): string {
  const first = Array.isArray(value) ? value[0] : value;
  return (first ?? "").trim().toLowerCase().slice(0, ADMIN_SEARCH_MAX);
}

/** The page header's count: "3 accounts", or "“ann”: 2 of 40 accounts" while searching. */
export function adminListSummary(
  shown: number,
  total: number,
  all: number,
  search: string,
  noun: (count: number) => string,
): string {
  const matched = search ? `“${search}”: ${total} of ${noun(all)}` : noun(all);
  return shown < total ? `${matched}; the first ${shown} are listed, search to narrow` : matched;
}
