/**
 * Where to go after signing in: only a path on this site. "//evil.example" and "/\evil" are
 * protocol-relative URLs to another host in browsers, so they are refused too.
 */
export function safeRedirectPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/")) return fallback;
  if (value.startsWith("//") || value.startsWith("/\\")) return fallback;
  try {
    // Absolute callback URLs from next-auth (http://host/path) arrive here already reduced by the
    // page; anything that parses to another origin is refused.
    const url = new URL(value, "http://burrow.invalid");
    if (url.origin !== "http://burrow.invalid") return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
