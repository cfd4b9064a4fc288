// Pure: how the log's searches fold case, the same for paths, headers and bodies. PostgreSQL's
// ILIKE folds by the database's locale: only ASCII under "C" (embedded and many hosted servers), and
// a header list, stored one Latin-1 character a byte (headers.ts), would fold the bytes of a UTF-8
// letter as if they were letters themselves. So a search with a letter beyond ASCII is a regular
// expression matched case-sensitively (`~`) that spells every case of every letter itself, in the
// form the column stores it: the same answers on every server, and "CAFÉ" finds "café".

/** Characters with a meaning in a PostgreSQL (ARE) regular expression. */
const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g;

/** `text` matched literally in a PostgreSQL regular expression. */
export function regexLiteral(text: string): string {
  return text.replace(REGEX_SPECIAL, "\\$&");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: every ASCII character, controls too
const ASCII = /^[\x00-\x7f]*$/;

/** Whether a search for `text` needs caseFoldPattern: ILIKE folds ASCII on every server. */
export function needsUnicodeFold(text: string): boolean {
  return !ASCII.test(text);
}

/**
 * The characters a search takes `char` (one code point) for: itself and its other cases, by
 * Unicode's default mappings (not the server's locale), each one character: "ß" is not "SS".
 */
export function caseVariants(char: string): string[] {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  const variants = new Set([char, lower, upper, lower.toUpperCase(), upper.toLowerCase()]);
  return [...variants].filter((variant) => [...variant].length === 1);
}

/**
 * A regular expression for `~` that matches `text` with each character in any of its cases, each
 * case in every spelling `spell` gives (regular expressions, e.g. the character's bytes as the
 * column stores them, or percent-encoded).
 */
export function caseFoldPattern(text: string, spell: (char: string) => readonly string[]): string {
  let pattern = "";
  for (const char of text) {
    const spellings = [...new Set(caseVariants(char).flatMap(spell))];
    pattern += spellings.length === 1 ? spellings[0] : `(?:${spellings.join("|")})`;
  }
  return pattern;
}

/** Hex digits of a byte, upper-case, a letter matching either case: %C3 and %c3 are one byte. */
export function hexEitherCase(byte: number): string {
  return byte
    .toString(16)
    .toUpperCase()
    .padStart(2, "0")
    .replace(/[A-F]/g, (digit) => `[${digit}${digit.toLowerCase()}]`);
}
