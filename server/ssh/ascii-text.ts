/**
 * Text the relay sends for OpenSSH to print itself (disconnect reasons, channel-open failures, auth
 * banners). OpenSSH shows non-ASCII bytes of such text escaped ("letters a\342\200\223z") unless the
 * user's locale is UTF-8, so the typography shared with the dashboard (en dashes, ellipses, curly
 * quotes) is spelt in ASCII here. Anything else non-ASCII (a name typed with accents) becomes "?".
 */
const ASCII_FOR: Readonly<Record<string, string>> = {
  "\u2013": "-",
  "\u2014": "-",
  "\u2026": "...",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2192": "->",
  "\u00a0": " ",
};

export function asciiText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is "everything past ASCII"
  return text.replace(/[^\x00-\x7f]/gu, (char) => ASCII_FOR[char] ?? "?");
}
