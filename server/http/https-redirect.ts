import { parseTunnelHost } from "../../lib/names/host.ts";

/**
 * Where a plain-HTTP request should go when the relay also serves HTTPS: the same tunnel (or the
 * relay's landing page) and path over https, or null to answer it as it is. The Host header is
 * data: only a host under the relay's domain is redirected, rebuilt from the parsed name, so a
 * hostile Host can never make the relay send a visitor elsewhere. A request target that is not a
 * path (absolute-form, `*`) is left to the normal handling. A path starting with `//` is redirected
 * too: the Location is absolute, so `//evil.example/` stays a path on the tunnel's host, and
 * serving it over plain HTTP would put that visitor's password page (and password) in clear text.
 */
export function httpsRedirectLocation(
  host: string | undefined,
  target: string | undefined,
  domain: string,
  httpsPort: number,
): string | null {
  if (!target?.startsWith("/")) return null;
  const parsed = parseTunnelHost(host, domain);
  let hostname: string;
  if (parsed.kind === "tunnel") hostname = `${parsed.name}.${domain}`;
  else if (parsed.kind === "apex") hostname = domain;
  else return null;
  const port = httpsPort === 443 ? "" : `:${httpsPort}`;
  return `https://${hostname}${port}${target}`;
}
