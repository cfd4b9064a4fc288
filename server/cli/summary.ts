import type { Env } from "../../lib/env.ts";
import { tunnelUrl } from "../../lib/env.ts";
import type { RunningRelay } from "./relay-loader.ts";

/**
 * The local app port the summary suggests: not 3000, which is the dashboard's own default, so the
 * first try on one machine neither fails to bind nor tunnels the dashboard to itself.
 */
const EXAMPLE_APP_PORT = 8000;

/** The block `start` prints once everything listens: where to go and what to type. */
export function formatSummary(options: {
  config: Env;
  relay: RunningRelay;
  dashboardUrl?: string;
  database: string;
  hasAccounts: boolean;
}): string {
  const { config, relay, dashboardUrl, database, hasAccounts } = options;
  const urlEnv = {
    ...config,
    BURROW_HTTP_PORT: relay.ports.httpPort,
    BURROW_HTTPS_PORT: relay.ports.httpsPort,
  };
  const sshPort = relay.ports.sshPort;
  const sshTarget = `${sshPort === 22 ? "" : `-p ${sshPort} `}${config.BURROW_SSH_HOST}`;
  const rule = "─".repeat(72);
  const lines = [
    rule,
    " Burrow is running",
    "",
    `   Dashboard   ${dashboardUrl ?? "not started (this checkout has no app/ directory)"}`,
    `   SSH relay   port ${sshPort}, host key ${relay.hostKeyFingerprint}`,
    `   Tunnels     ${tunnelUrl(urlEnv, "<name>")}`,
    `   Database    ${database}`,
    "",
    hasAccounts
      ? ` Share a local app on port ${EXAMPLE_APP_PORT} (with your SSH key registered):`
      : ` No accounts yet: ${dashboardUrl ? `sign up at ${dashboardUrl}/signup or ` : ""}run` +
        "\n   npm run burrow -- user add you@example.com   (the first account is the admin)" +
        `\n Then add your SSH key and share a local app on port ${EXAMPLE_APP_PORT}:`,
    `   (python3 -m http.server ${EXAMPLE_APP_PORT} will do)`,
    `   ssh -R myapp:80:localhost:${EXAMPLE_APP_PORT} ${sshTarget}`,
    `   and open ${tunnelUrl(urlEnv, "myapp")}`,
    "",
    " Stop with Ctrl-C.",
    rule,
  ];
  return lines.join("\n");
}
