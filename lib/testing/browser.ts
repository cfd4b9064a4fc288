/** The User-Agent and address a test's signed-in browser reports (documentation address range). */
export const testBrowser = {
  userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36",
  ip: "203.0.113.9",
};
