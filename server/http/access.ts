import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Admission } from "../../lib/db.ts";
import type { AccessPage } from "../../lib/request-logs/row.ts";
import type { Tunnel } from "../registry.ts";
import type { HeaderEdits } from "./headers.ts";
import type { EdgePage } from "./pages.ts";

/** What the access check sees of a request for a live tunnel (normal requests and upgrades alike). */
export interface AccessRequest {
  name: string;
  tunnel: Tunnel;
  method: string;
  /** The request target as sent: path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  clientIp: string;
  proto: "http" | "https";
  /** True for WebSocket (or other) upgrade requests. */
  upgrade: boolean;
  /**
   * The request body, for the relay's own forms (the tunnel password form). Only read when the
   * gate answers itself; a forwarded request's body is left untouched for the proxy.
   */
  body?: Readable;
}

/** What the access check sees of a request for a name with no live tunnel. */
export type OfflineRequest = Pick<
  AccessRequest,
  "name" | "method" | "path" | "proto" | "headers" | "clientIp"
>;

/**
 * The access check's verdict.
 * - `forward`: proxy the request, optionally with a rewritten path (e.g. a share token removed from
 *   the query) and header edits (e.g. the relay's own cookie or Authorization removed).
 * - `respond`: the relay answers itself (a password form, a redirect that sets the access cookie,
 *   403, 429); the edge writes it as a normal response or, for upgrades, as raw bytes.
 * Both carry what the request log records about admission; an answer also names its page.
 */
export type AccessDecision =
  | {
      action: "forward";
      admission: Admission;
      shareLinkId?: string | null;
      path?: string;
      edits?: HeaderEdits;
      /** The name keeps bodies: the request log gets the start of both (lib/request-logs/bodies.ts). */
      keepBodies?: boolean;
    }
  | {
      action: "respond";
      admission: Admission;
      /** Which access page this is, for the request log. */
      page: AccessPage;
      shareLinkId?: string | null;
      /** The path the request log records, when the original must not be kept (a share token in it). */
      path?: string;
      status: number;
      headers: Readonly<Record<string, string | string[]>>;
      body: Buffer;
    };

/**
 * Decides, before anything reaches the tunnel, whether a visitor may. May answer synchronously (the
 * common, cached case: no promise allocated) or return a promise (a database lookup).
 */
export interface AccessGate {
  check(request: AccessRequest): AccessDecision | Promise<AccessDecision>;
  /**
   * What the relay answers itself for a name with no live tunnel, before the offline page: a
   * visitor from a network the name does not allow gets the same 403 as when it is online (its
   * online state is not theirs to learn), and signing out (`/__burrow/logout`) needs no tunnel.
   * Undefined: the offline page.
   */
  offline?(request: OfflineRequest): AccessDecision | undefined | Promise<AccessDecision | undefined>;
  /**
   * The allowed-networks check alone, for what the relay answers without the access check (the
   * offline page's wait for the tunnel, live or not): the 403 for a visitor from another network,
   * undefined when they may go on (or nothing is known of the name's networks: its database away).
   */
  screen?(
    request: Pick<AccessRequest, "name" | "path" | "clientIp"> & { tunnel: Tunnel | undefined },
  ): AccessDecision | undefined | Promise<AccessDecision | undefined>;
}

/**
 * The access check could not decide in time (its database away or slow): the edge answers 503 and
 * logs `access_unavailable`, with this page instead of its generic one when the check has a better
 * word for the visitor (a share link that could not be opened), and `path` logged instead of the
 * request's own when that carried a share token.
 */
export class AccessUnavailable extends Error {
  constructor(
    message: string,
    readonly page?: EdgePage,
    readonly path?: string,
  ) {
    super(message);
  }
}

const PUBLIC: AccessDecision = Object.freeze({ action: "forward", admission: "PUBLIC" });

/** Every tunnel is public: the behaviour until password and share-link access lands. */
export const publicAccess: AccessGate = {
  check: () => PUBLIC,
};
