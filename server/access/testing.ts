import assert from "node:assert/strict";
import type { AccessDecision } from "../http/access.ts";
import type { Tunnel } from "../registry.ts";

/**
 * A tunnel for the gate's own tests: the gate only keys its cache by it, and nothing may reach an
 * app through it.
 */
export const GATE_TEST_TUNNEL: Tunnel = {
  name: "stub",
  sessionId: "s",
  userId: "u",
  reservationId: null,
  clientIp: "127.0.0.1",
  startedAt: new Date(0),
  target: "port 80",
  openStream: () => Promise.reject(new Error("not in gate tests")),
  notify: () => {},
  recordRequest: () => {},
  close: () => {},
};

/** A header of the gate's own answer (several values joined by newlines), or undefined. */
export function header(decision: AccessDecision, name: string): string | undefined {
  if (decision.action !== "respond") return undefined;
  const value = decision.headers[name];
  return Array.isArray(value) ? value.join("\n") : value;
}

/** The `name=value` part of a Set-Cookie header, ready to send back as a Cookie header. */
export function cookieOf(decision: AccessDecision): string {
  const setCookie = header(decision, "set-cookie");
  assert.ok(setCookie, "a cookie was set");
  return setCookie.split(";")[0]!;
}
