/**
 * `name reserve --help`'s example, from the port settings. Its own module, loaded only for that help:
 * reading a setting takes lib/env.ts's schema (zod), which `burrow --help` and the other commands'
 * help do not load.
 */
import { envSchema } from "../../lib/env.ts";
import { defaultLocalPort } from "../../lib/web/connect-command.ts";

/**
 * The help's example, with `-p <port> ` as ssh takes the relay's port, and the app's local port the
 * relay's own examples and the dashboard's Connect card use.
 */
function reserveExample(portOption: string, appPort: number): string {
  return `Example:
  npm run burrow -- name reserve ann@example.com myapp
  then, as ann: ssh -R myapp:80:localhost:${appPort} ${portOption}<relay host>`;
}

type PortSetting = "PORT" | "BURROW_HTTP_PORT" | "BURROW_HTTPS_PORT" | "BURROW_SSH_PORT";

/**
 * One port setting read alone, so that another bad setting does not hide it: help is read while
 * fixing them. Undefined for a value that is no port; left empty in .env it is unset, the default,
 * as loadEnv has it.
 */
function portSetting(environment: Record<string, string | undefined>, name: PortSetting): number | undefined {
  const port = envSchema.in.shape[name].safeParse(environment[name] || undefined);
  return port.success ? port.data : undefined;
}

/**
 * `-p 2322 ` from BURROW_SSH_PORT. None for 22, ssh's own, as the summary `start` prints leaves it
 * out. The setting's name for a value that is no port, or 0 (a free port each start).
 */
function sshPortOption(environment: Record<string, string | undefined>): string {
  const port = portSetting(environment, "BURROW_SSH_PORT");
  if (port === undefined || port === 0) return "-p <BURROW_SSH_PORT> ";
  return port === 22 ? "" : `-p ${port} `;
}

/** 8000, or the next port up when Burrow listens there (defaultLocalPort); a bad setting is skipped. */
function appPortExample(environment: Record<string, string | undefined>): number {
  const port = (name: PortSetting) => portSetting(environment, name) ?? -1;
  const https = portSetting(environment, "BURROW_HTTPS_PORT");
  return defaultLocalPort({
    dashboard: port("PORT"),
    http: port("BURROW_HTTP_PORT"),
    ssh: port("BURROW_SSH_PORT"),
    ...(https !== undefined && { https }),
  });
}

/** The help's example for these settings; never throws on a bad one. */
export function nameReserveHelp(environment: Record<string, string | undefined>): string {
  return reserveExample(sshPortOption(environment), appPortExample(environment));
}
