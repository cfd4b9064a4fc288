/**
 * Headers on every answer of the dashboard. Tunnels are served on subdomains of the dashboard's
 * domain, so any tunnel's page, someone else's included, is same-site with the dashboard: a frame
 * it opens on the dashboard carries the visitor's session cookie. Never shown in a frame, the
 * dashboard's buttons cannot be laid under another page's to be clicked unseen (clickjacking).
 */
export const DASHBOARD_HEADERS: readonly { key: string; value: string }[] = [
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
  // The same, for browsers that predate frame-ancestors.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Dashboard addresses name tunnels and log filters: they are not sent to other sites.
  { key: "Referrer-Policy", value: "same-origin" },
];

/** A year: what browsers' preload lists ask for, and long enough to matter between visits. */
const HSTS_MAX_AGE_S = 365 * 24 * 60 * 60;

/**
 * Strict-Transport-Security for a dashboard served over https (BURROW_DASHBOARD_URL): the browser
 * then never sends its session cookie over plain http to a network that rewrites the link. Its own
 * host only, no includeSubDomains: each tunnel's app decides for itself. None over http, where a
 * browser ignores it and an operator who has not set up TLS would not want it.
 */
export function transportSecurity(dashboardUrl: string): string | undefined {
  return new URL(dashboardUrl).protocol === "https:" ? `max-age=${HSTS_MAX_AGE_S}` : undefined;
}
