import type { Env } from "../../lib/env.ts";
import { tunnelUrl } from "../../lib/env.ts";
import { burrowPorts, defaultLocalPort } from "../../lib/web/connect-command.ts";
import type { RunningRelay } from "./relay-loader.ts";

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
  // Not one of Burrow's own ports (the dashboard's PORT may be 8000): the first try on one machine
  // neither fails to bind nor tunnels Burrow to itself. The same one the dashboard suggests.
  const appPort = defaultLocalPort(
    burrowPorts({
      ...config,
      BURROW_HTTP_PORT: relay.ports.httpPort,
      BURROW_SSH_PORT: sshPort,
      BURROW_HTTPS_PORT: relay.ports.httpsPort,
    }),
  );
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
      ? ` Share a local app on port ${appPort} (with your SSH key registered):`
      : ` No accounts yet: ${dashboardUrl ? `sign up at ${dashboardUrl}/signup or ` : ""}run` +
        "\n   npm run burrow -- user add you@example.com   (the first account is the admin)" +
        `\n Then add your SSH key and share a local app on port ${appPort}:`,
    `   (python3 -m http.server ${appPort} will do)`,
    // A name must be reserved before -R <name> is accepted: the first command shown works as typed.
    ...(config.BURROW_ALLOW_RANDOM_NAMES
      ? [
          `   ssh -R 80:localhost:${appPort} ${sshTarget}`,
          "   gets a random name (its address shows in the session). Reserve one, say myapp, on the",
          `   Names page (or npm run burrow -- name reserve you@example.com myapp), then`,
        ]
      : [
          "   Reserve a name, say myapp, on the Names page (or",
          "   npm run burrow -- name reserve you@example.com myapp), then",
        ]),
    `   ssh -R myapp:80:localhost:${appPort} ${sshTarget}`,
    `   and open ${tunnelUrl(urlEnv, "myapp")}`,
    "",
    " Stop with Ctrl-C.",
    rule,
  ];
  return lines.join("\n");
}
