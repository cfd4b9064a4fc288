import type { Env } from "../../../lib/env.ts";
import type { Supervised } from "../../../lib/supervisor.ts";
import { type CommandContext, parseCommandArgs } from "../command.ts";
import { buildDashboard, dashboardNeedsBuild, hasDashboard, startSupervisedDashboard } from "../dashboard.ts";
import { redact } from "../database.ts";
import { bootRelay } from "../runtime.ts";
import { formatSummary } from "../summary.ts";
import { Teardown } from "../teardown.ts";

/** `burrow start`; its help and usage line are in ../command-table.ts. */
export async function runStart(context: CommandContext): Promise<number> {
  parseCommandArgs(context.args, {}, { required: [] });
  const env = context.env();
  // Take over Ctrl-C before starting anything, so an early Ctrl-C still cleans up.
  const interrupted = context.interrupted();
  const stop = new AbortController();
  void interrupted.then(() => stop.abort());
  const teardown = new Teardown((line) => context.note(line));
  try {
    const { config, database, db, relay } = await bootRelay(env, {
      teardown,
      signal: stop.signal,
      note: context.note,
    });

    let dashboard: Supervised | undefined;
    if (hasDashboard()) {
      const environment = dashboardEnvironment(context.environment, config, database.url);
      if (await dashboardNeedsBuild()) {
        context.note("Building the dashboard… (only after a change; takes a minute the first time)");
        await buildDashboard(environment, stop.signal);
      }
      stop.signal.throwIfAborted();
      // Should Next stop by itself it is started again: the relay and its tunnels carry on.
      dashboard = await startSupervisedDashboard(
        { port: env.PORT, host: env.BURROW_LISTEN_HOST, environment },
        context.note,
        stop.signal,
      );
      teardown.add("stopping the dashboard", dashboard.stop);
    } else {
      context.note("No dashboard in this checkout (app/ is missing): running the relay only");
    }

    const accounts = await db.user.count();
    context.out(
      formatSummary({
        config,
        relay,
        dashboardUrl: dashboard ? config.BURROW_DASHBOARD_URL : undefined,
        database:
          database.source === "DATABASE_URL"
            ? redact(database.url)
            : `embedded PostgreSQL in ${env.BURROW_DATA_DIR}/postgres`,
        hasAccounts: accounts > 0,
      }),
    );

    const signal = await interrupted;
    context.note(`${signal}: stopping (the relay drains open requests first)…`);
    return 0;
  } catch (error) {
    if (stop.signal.aborted) {
      context.note("Interrupted during start-up: stopping");
      return 0;
    }
    throw error;
  } finally {
    await teardown.run();
    // The last line: an operator watching the terminal (or a unit's log) knows it is over.
    if (stop.signal.aborted) context.note("Stopped.");
  }
}

/**
 * The dashboard's environment: ours (PATH, HOME, …), plus the database it must use, the auth
 * secret, and every Burrow setting as the relay sees it (resolved data dir, defaults filled in).
 */
export function dashboardEnvironment(
  environment: Record<string, string | undefined>,
  config: Env,
  databaseUrl: string,
): Record<string, string | undefined> {
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) settings[key] = String(value);
  }
  return {
    ...environment,
    ...settings,
    DATABASE_URL: databaseUrl,
    // Self-hosted behind whatever hostname the admin chose: Auth.js must trust the Host header.
    AUTH_TRUST_HOST: "true",
    // People self-host a tunnel to keep their traffic off third parties: Next must not send its
    // build and usage telemetry to Vercel from their server (it would by default).
    NEXT_TELEMETRY_DISABLED: "1",
  };
}
