// Pure: the dashboard visitor's address from the headers `next start` hands a request.

/**
 * The address the nearest proxy saw: the last X-Forwarded-For entry. A reverse proxy in front of
 * the dashboard either replaces the header (Caddy, nginx with $remote_addr) or appends the address
 * it saw to what the browser sent (nginx's $proxy_add_x_forwarded_for): in both cases the last
 * entry is the one a browser cannot forge, while the first is whatever the browser claimed. Without
 * a proxy, Next sets the header from the socket only when the browser sent none (PORT should not be
 * reachable from outside; the README says so). Used to key the sign-in brake (which also has a
 * per-email ceiling) and shown next to a signed-in browser on the account page.
 */
export function addressFromForwarded(h: Pick<Headers, "get">): string {
  const forwarded = h.get("x-forwarded-for");
  const last = forwarded?.slice(forwarded.lastIndexOf(",") + 1).trim();
  return last || h.get("x-real-ip")?.trim() || "unknown";
}
