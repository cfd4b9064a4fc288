import type { Env } from "../../lib/env.ts";
import { relayAddress, sshRelayCommand } from "../../lib/web/connect-command.ts";
import type { HostCheck } from "../http/host-refusal.ts";

/** Who a connection signed in as: the account's email and the key's label (or fingerprint). */
export interface SignedIn {
  email: string;
  key: string;
}

/**
 * ssh offers its keys one after the other and the relay takes the first it knows: with keys of two
 * accounts (work and personal) in the agent, the connection may have signed in as the other one.
 */
function anotherKeyHint(you: SignedIn): string {
  return (
    ` This connection signed in as ${you.email} (key "${you.key}"); if the name is another account's ` +
    "of yours, connect with that account's key: ssh -i <its private key> -o IdentitiesOnly=yes …"
  );
}

/**
 * Every sentence the relay shows an SSH user, in one place so wording stays consistent and tests can
 * match on it. Shown in a banner, a disconnect description or the session console.
 */
export const messages = {
  databaseDown: "Burrow cannot reach its database right now, try again in a moment.",
  databaseSlow: "Burrow's database is not answering in time right now, try again in a moment.",
  databaseTakenOver:
    "This Burrow relay has lost its database to another Burrow relay and starts no new tunnels " +
    "(open ones keep working): try again in a moment, and ask the relay's operator if this lasts.",

  unknownKey: (config: Pick<Env, "BURROW_DASHBOARD_URL">, fingerprint: string) =>
    `Burrow does not know the SSH key ${fingerprint}.\n` +
    // Without ssh's own "Permission denied": this also shows on every connection that offers an
    // unknown key before the right one, and burrow-connect reads those words as a refused key.
    "If ssh has no other key that Burrow knows, add your public key (e.g. ~/.ssh/id_ed25519.pub) at\n" +
    `  ${dashboard(config)}/keys\n` +
    "or on the relay machine with: npm run burrow -- key add <your email> <public key file>\n" +
    "then connect again.",

  noKeyOffered: (config: Pick<Env, "BURROW_DASHBOARD_URL">) =>
    "Burrow signs you in with an SSH key, and ssh has not offered one.\n" +
    "If you have none yet, make one with: ssh-keygen -t ed25519\n" +
    `then add the public key (~/.ssh/id_ed25519.pub) at\n  ${dashboard(config)}/keys\n` +
    "and connect again. A key in another file: ssh -i <private key file> …",

  userDisabled: "Burrow: this account is disabled. Ask the relay's administrator.",

  tooManyConnections: (max: number) =>
    `Burrow: this key already has ${max} open connections (BURROW_MAX_CONNECTIONS_PER_KEY). ` +
    "All of them are answering: close one first.",

  tooManyForwards: (max: number) =>
    `This connection already has ${max} tunnels (BURROW_MAX_FORWARDS_PER_CONNECTION): open another ssh connection.`,

  notReserved: (config: ReserveConfig, name: string) =>
    `The name ${name} is not reserved. Reserve it ${whereToReserve(config, name)}, then connect again.`,

  reservedByOther: (name: string, you: SignedIn) =>
    `The name ${name} is reserved by another account.${anotherKeyHint(you)}`,

  duplicateForward: (name: string) => `This connection already forwards ${name}.`,

  duplicateRandom:
    "This connection already has a tunnel with a random name on that address: " +
    "give the second one a name, e.g. -R myname:80:localhost:<port>.",

  randomNamesDisabled: (config: ReserveConfig) =>
    `This relay does not hand out random names: reserve a name ${whereToReserve(config, "<name>")} ` +
    "and use -R <name>:80:localhost:<port>.",

  randomNameExhausted: "Could not pick a free random name, try again.",

  /** After "Forwarding …" for a random name: how to come back to it. */
  randomNameKept: (name: string, hours: number) =>
    `This random name stays yours for ${hours} h after you disconnect: reconnect with ` +
    `-R ${name}:80:localhost:<port> to keep the address (burrow-connect does).`,

  randomNameExpired: (config: ReserveConfig & Pick<Env, "BURROW_RANDOM_NAME_HOURS">, name: string) =>
    `The random name ${name} is no longer kept for you (random names are kept ` +
    `${config.BURROW_RANDOM_NAME_HOURS} h after their tunnel closes). Reserve it ` +
    `${whereToReserve(config, name)} to keep it, or use -R 80:… for a new random name.`,

  randomNameOfOther: (name: string, you: SignedIn) =>
    `The name ${name} belongs to another account.${anotherKeyHint(you)}`,

  refused: (what: string, reason: string) => `Refused ${what}: ${reason}`,

  forwarding: (url: string, target: string) => `Forwarding ${url} -> ${target}`,

  /** After "Forwarding …": where the tunnel's requests show as they arrive (its dashboard page). */
  inspect: (config: Pick<Env, "BURROW_DASHBOARD_URL">, name: string) =>
    `Watch its requests at ${dashboard(config)}/tunnels/${name}`,

  takenOver: (name: string) => `${name}: another connection of yours took over this name.`,

  /** To the connection that took a name over, so a second `ssh -R` does not pass in silence. */
  tookOver: (name: string, previousIp: string) =>
    `${name} was connected from ${previousIp} by another connection of yours: that one is closed, this one serves it now.`,

  adminDisconnect: (name: string, reason: string | undefined) =>
    `${name}: closed by an administrator${reason ? ` (${reason})` : ""}.`,

  keyRemoved: (name: string) =>
    `${name}: closed because the SSH key it was opened with was removed from your account.`,
  connectionKeyRemoved:
    "Closed because the SSH key this connection signed in with was removed from your account.",

  flood: (what: string) => `Burrow: too many ${what} on this connection; disconnected. Connect again.`,

  /** The app's host check refused a visitor (server/http/host-refusal.ts). */
  hostRefused: (config: Pick<Env, "BURROW_DASHBOARD_URL">, name: string, check: HostCheck, host: string) =>
    `${name}: your app (${check.app}) refused the host name ${host}, so visitors get its error page. ` +
    `To let it in, ${check.allow(host)}` +
    (check.localhostWorks
      ? `, or have Burrow send it Host: localhost (Access & sharing): ${dashboard(config)}/tunnels/${name}/access`
      : "") +
    ".",

  /** The same, with the name already sending Host: localhost (the app checks more than Host). */
  hostRefusedLocalhost: (name: string, check: HostCheck, host: string) =>
    `${name}: your app (${check.app}) refused this tunnel's visitors although Burrow sends it Host: localhost, ` +
    `so they get its error page. To let them in, ${check.allow(host)}.`,

  /** Next.js's dev server refused its live-reload WebSocket from the tunnel's host (allowedDevOrigins). */
  nextDevOriginRefused: (name: string, host: string) =>
    `${name}: your app (Next.js dev) refused its live-reload connection from ${host}: add ` +
    `allowedDevOrigins: ['${host}'] to next.config.js and restart next dev. Until then pages ` +
    "through the tunnel do not reload on save, and may not respond to clicks.",

  /** The tunnel forwards to the relay itself, so its requests come back (server/http/tunnel-loop.ts). */
  tunnelLoops: (name: string, relayPorts: string) =>
    `${name}: requests through this tunnel come back to the relay: your ssh -R forwards ${name} to the ` +
    `relay's own port (${relayPorts} on the relay's machine), not to your app, so visitors ` +
    `get an error page. Reconnect with the port your app listens on: -R ${name}:80:localhost:<port>.`,

  /**
   * Visitors got "nothing answers on the local port". The relay cannot see the local address in the
   * -R (ssh keeps it), so it names the usual mismatch: an app on IPv6 ::1 only (Vite, Node >= 17
   * where localhost is ::1) behind -R …:127.0.0.1:<port>. OpenSSH tries each address of a host name.
   */
  localUnreachable: (name: string) =>
    `${name}: nothing answers on your local port, so visitors get an error page. Start your app, or ` +
    'point -R at the address it listens on (ssh prints the one it tried: "connect_to … failed"). An app ' +
    "listening only on IPv6 (::1, as Vite and Node often do) is not reached at 127.0.0.1: use " +
    `-R ${name}:80:[::1]:<port> (or localhost, where ssh tries each address it has).`,

  /**
   * Visitors got "does not speak HTTP": the -R points at a port of something else. The relay cannot
   * see which local port (ssh keeps it), so it names the usual ones.
   */
  localBadResponse: (name: string, request: string, reason: string) =>
    `${name}: your app's answer to ${request} is not valid HTTP (${reason}), so visitors get an ` +
    "error page. Your app runs and the port is right: look at the headers and body that route sends.",

  localSocks: (name: string) =>
    `${name}: your -R has no local address (-R ${name}:80), so OpenSSH made it a SOCKS proxy and ` +
    `visitors get an error page. Reconnect with -R ${name}:80:localhost:<your app's port>.`,

  localNotHttp: (name: string) =>
    `${name}: what answers on your local port does not speak HTTP, so visitors get an error page. ` +
    "Is the port in your -R your web app's? It answered with something that is not HTTP (an SSH or " +
    `database port?). Reconnect with -R ${name}:80:localhost:<your app's port>.`,

  /** The app redirected a visitor to a loopback address (server/http/local-address.ts). */
  localRedirect: (name: string, location: string, publicOrigin: string) =>
    `${name}: your app redirected a visitor to ${location}, an address on your own computer that ` +
    "visitors cannot follow (unless it was meant for theirs). If your app has a setting for its " +
    `public address (a base URL, site URL or APP_URL), set it to ${publicOrigin}.`,

  /** A page of the app links to a loopback address; `fromHost`: built from the Host: localhost sent. */
  localLink: (name: string, link: string, publicOrigin: string, fromHost: boolean) =>
    `${name}: your app's pages link to ${link}, an address on your own computer that visitors cannot ` +
    "load (a page may show without its styles or scripts). " +
    (fromHost
      ? "It builds them from the Host: localhost that Burrow sends it: turn that off under Access & sharing, " +
        `or set its public address to ${publicOrigin}.`
      : `If your app has a setting for its public address (a base URL, site URL or APP_URL), set it to ${publicOrigin}.`),

  relayShutdown: "The Burrow relay is shutting down; reconnect in a moment.",

  /** Told to a connection dropped because a request waited on it and it did not answer a ping. */
  stoppedAnswering:
    "This connection stopped answering while a request waited on it, so the relay closed it. Reconnect to serve again.",

  /** Told to a connection that stopped answering the relay's keepalives (a laptop asleep, Wi-Fi gone). */
  keepaliveTimeout:
    "This connection stopped answering the relay's keepalives (asleep or offline?), so the relay closed it and its tunnels. Reconnect to serve again.",

  /** Told to a connection dropped at its key's limit because it stopped answering (a laptop asleep). */
  replacedWhileSilent:
    "This connection stopped answering, so the relay closed it to let a new connection of your key in (its limit was reached).",

  channelRefused: "Burrow only serves HTTP tunnels (-R); -L, -D and -W are not available.",

  quitHint: "Press Ctrl-C or type exit to close the tunnels.",

  /** A console with nothing to show: the user left out -R. Followed by an example command. */
  noForwards: "This connection forwards nothing: add -R to share a local app, for example",

  /** After noForwards: the relay's commands, for a user who came to list names or read a log. */
  relayHelp: (config: Pick<Env, "BURROW_SSH_HOST" | "BURROW_SSH_PORT">) =>
    `"${sshRelayCommand(relayAddress(config), "help")}" shows what else the relay does (your names, their request logs).`,
} as const;

type ReserveConfig = Pick<Env, "BURROW_DASHBOARD_URL" | "BURROW_SSH_HOST" | "BURROW_SSH_PORT">;

/** The two ways to reserve a name: the relay's own command (server/ssh/commands.ts), or the dashboard. */
function whereToReserve(config: ReserveConfig, name: string): string {
  const command = sshRelayCommand(relayAddress(config), `reserve ${name}`);
  return `with "${command}" or at ${dashboard(config)}/names`;
}

function dashboard(config: Pick<Env, "BURROW_DASHBOARD_URL">): string {
  return config.BURROW_DASHBOARD_URL.replace(/\/+$/, "");
}
