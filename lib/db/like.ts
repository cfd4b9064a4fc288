/**
 * Escapes LIKE's wildcards so "50%_off" matches literally. Prisma's `contains` (and raw LIKE
 * patterns) pass `%` and `_` through as wildcards: a search for "a_b" would also find "axb".
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
